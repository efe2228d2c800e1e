#pragma once
// One logger for the whole program (spdlog). Under systemd (JOURNAL_STREAM set) lines go to
// stderr without timestamps, which journald adds; elsewhere to stderr with UTC timestamps.
#include <spdlog/spdlog.h>

#include <string>

namespace tb {

// level: "trace" | "debug" | "info" | "warn" | "error"
void init_logging(const std::string& level = "info");

}  // namespace tb
