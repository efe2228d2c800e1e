#pragma once
// The journald sink: each log line becomes one structured journal entry. Internal to common.
#include <spdlog/sinks/sink.h>

#include <memory>
#include <string>
#include <vector>

namespace tb::log {

// The journal items of one line, in the order they are sent: MESSAGE, PRIORITY,
// SYSLOG_IDENTIFIER, CODE_FILE/CODE_LINE/CODE_FUNC (when the call site is known), then
// context_items(). Separate from the sending so the mapping is testable without a journal.
std::vector<std::string> journal_items(const spdlog::details::log_msg& msg,
                                       const std::string& identifier);

// A sink that sends journal_items() to journald; a line the journal refuses (socket gone,
// journald restarting) goes to `fallback` instead, so it is never dropped. nullptr when this
// build has no libsystemd.
std::shared_ptr<spdlog::sinks::sink> make_journal_sink(
    std::shared_ptr<spdlog::sinks::sink> fallback);

}  // namespace tb::log
