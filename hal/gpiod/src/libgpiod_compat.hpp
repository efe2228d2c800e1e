#pragma once
// The only place that knows libgpiod's version. Everything version-free (device scanning,
// polling, messages) is in libgpiod_source.cpp; this is the thin layer of library calls.
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tetherbox/common/result.hpp"
#include "tetherbox/hal/gpiod/line_source.hpp"

namespace tb::hal::gpiod_backend::compat {

struct Line;  // one requested line (1.6: chip + line; 2.x: a line request)
struct LineDeleter {
  void operator()(Line* l) const;
};
using LinePtr = std::unique_ptr<Line, LineDeleter>;

std::string version();
// Errors carry errno mapped to an Errc (EBUSY -> busy, EACCES/EPERM -> refused,
// ENOENT/ENODEV/ENOTTY -> not_found) and strerror as the message.
Result<ChipInfo> probe_chip(const std::string& path);
struct LineUse {
  bool used = false;
  std::string consumer;
};
Result<LineUse> line_use(const std::string& chip_path, unsigned offset);
Result<LinePtr> request_input(const std::string& chip_path, unsigned offset,
                              const std::string& consumer);
Result<LinePtr> request_output(const std::string& chip_path, unsigned offset,
                               const std::string& consumer, bool high);
int event_fd(const Line& line);
// Reads the edges waiting on the line (call when its fd is readable): {rising, ns on
// CLOCK_MONOTONIC}.
Status read_edges(Line& line, std::vector<std::pair<bool, std::int64_t>>& out);
Result<bool> get_level(Line& line);
Status set_level(Line& line, bool high);

}  // namespace tb::hal::gpiod_backend::compat
