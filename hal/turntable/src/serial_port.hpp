#pragma once
// A tty in raw mode read line by line with poll() deadlines; owns its descriptor.
#include <string>
#include <string_view>

#include "tetherbox/common/result.hpp"

namespace tb::hal::turntable {

class SerialPort {
 public:
  // Errors name the path: not_found (missing), invalid (not a tty / unsupported baud),
  // busy (another process holds it), io.
  static Result<SerialPort> open(const std::string& path, int baud);

  SerialPort(SerialPort&& o) noexcept;
  SerialPort& operator=(SerialPort&& o) noexcept;
  SerialPort(const SerialPort&) = delete;
  SerialPort& operator=(const SerialPort&) = delete;
  ~SerialPort();

  Status write_all(std::string_view bytes, int timeout_ms);
  // One line without its "\r\n"; timeout when none completes within timeout_ms; invalid when
  // more than kMaxLine bytes arrive without a newline (not a G-code controller).
  Result<std::string> read_line(int timeout_ms);
  // Drops whatever the controller said that nobody asked for (late replies after a timeout).
  void discard_input();
  const std::string& path() const { return path_; }

  static constexpr size_t kMaxLine = 256;

 private:
  SerialPort(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_ = -1;
  std::string path_;
  std::string buf_;
};

}  // namespace tb::hal::turntable
