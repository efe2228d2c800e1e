#pragma once
// One logger for the whole program (spdlog). Under systemd (JOURNAL_STREAM set) lines go to
// stderr without timestamps, which journald adds; elsewhere to stderr with UTC timestamps.
// Lines go through tb::console, so they share the terminal with the progress line and stay
// without colour when NO_COLOR is set or stderr is not a terminal.
#include <spdlog/spdlog.h>

#include <string>
#include <vector>

namespace tb {

// The accepted level names, in order: "trace" "debug" "info" "warn" "error" "critical" "off".
const std::vector<std::string>& log_level_names();
// level must be one of log_level_names() (the CLI checks; anything else falls back to info).
void init_logging(const std::string& level = "info");

// The program's version (CMake project VERSION).
const char* version();

}  // namespace tb
