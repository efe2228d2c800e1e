#pragma once
// A real gpsd (Debian's /usr/sbin/gpsd) on a free TCP port, reading NMEA from a pseudo-terminal
// that the test writes into. Killing and restarting it keeps the same port and terminal.
#include <string>

namespace tb::test {

class GpsdDaemon {
 public:
  explicit GpsdDaemon(std::string gpsd_path, std::string log_path);
  ~GpsdDaemon();
  GpsdDaemon(const GpsdDaemon&) = delete;
  GpsdDaemon& operator=(const GpsdDaemon&) = delete;

  // Empty on success, else why it could not be set up.
  std::string open_terminal();
  std::string start();  // forks gpsd -N -n -b -S port <pty>
  void kill_daemon();   // SIGTERM + wait; the port and terminal stay ours
  bool running() const { return pid_ > 0; }
  int port() const { return port_; }
  // Writes NMEA into the terminal gpsd reads.
  bool write(const std::string& text);

 private:
  std::string gpsd_path_, log_path_;
  int master_ = -1, slave_ = -1;
  std::string slave_name_;
  int port_ = 0;
  int pid_ = -1;
};

}  // namespace tb::test
