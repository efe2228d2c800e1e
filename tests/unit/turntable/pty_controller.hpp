#pragma once
// A pseudo-terminal whose master end is played by a scripted controller on its own thread:
// the driver under test opens path() exactly as it would open /dev/ttyUSB0.
#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace tb::test {

class PtyController {
 public:
  // Called on the controller thread for every line the driver sends (without "\n").
  using Script = std::function<void(const std::string& line, PtyController& c)>;
  explicit PtyController(Script script);
  ~PtyController();
  PtyController(const PtyController&) = delete;
  PtyController& operator=(const PtyController&) = delete;

  const std::string& path() const { return path_; }
  void send(std::string_view bytes);
  std::vector<std::string> received() const;
  // Sleeps on the controller thread (a move that takes time), cut short by shutdown.
  void pause_ms(int ms);

 private:
  void loop();
  int master_ = -1;
  std::string path_;
  Script script_;
  mutable std::mutex mu_;
  std::vector<std::string> lines_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace tb::test
