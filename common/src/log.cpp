#include "tetherbox/common/log.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>

#include <cstdlib>
#include <mutex>

#include "log_journal.hpp"
#include "tetherbox/common/console.hpp"
#include "tetherbox/common/result.hpp"

namespace tb {
namespace {

const char* level_colour(spdlog::level::level_enum l) {
  switch (l) {
    case spdlog::level::trace:
      return "\033[37m";
    case spdlog::level::debug:
      return "\033[36m";
    case spdlog::level::info:
      return "\033[32m";
    case spdlog::level::warn:
      return "\033[33m\033[1m";
    case spdlog::level::err:
      return "\033[31m\033[1m";
    case spdlog::level::critical:
      return "\033[1m\033[41m";
    default:
      return "";
  }
}

// Formats like spdlog's colour sink, but writes through tb::console (one writer for log lines
// and the progress line; write errors such as EPIPE never throw or kill).
class ConsoleSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit ConsoleSink(bool colour) : colour_(colour) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t buf;
    formatter_->format(msg, buf);
    std::string line(buf.data(), buf.size());
    if (colour_ && msg.color_range_end > msg.color_range_start &&
        msg.color_range_end <= line.size()) {
      line.insert(msg.color_range_end, "\033[0m");
      line.insert(msg.color_range_start, level_colour(msg.level));
    }
    console::log_line(line);
  }
  void flush_() override {}

 private:
  bool colour_;
};

}  // namespace

const std::vector<std::string>& log_level_names() {
  static const std::vector<std::string> names = {"trace", "debug",    "info", "warn",
                                                 "error", "critical", "off"};
  return names;
}

void init_logging(const std::string& level) {
  auto console_sink = std::make_shared<ConsoleSink>(console::color_enabled());
  // Under systemd the journal stamps the time itself.
  if (std::getenv("JOURNAL_STREAM") != nullptr)
    console_sink->set_pattern("<%l> %v");
  else
    console_sink->set_formatter(std::make_unique<spdlog::pattern_formatter>(
        "%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %v", spdlog::pattern_time_type::utc));
  std::shared_ptr<spdlog::sinks::sink> sink = console_sink;
  if (log::stderr_is_journal())
    if (auto journal = log::make_journal_sink(console_sink)) sink = journal;
  auto logger = std::make_shared<spdlog::logger>("tetherbox", sink);
  auto lvl = spdlog::level::info;
  for (const auto& n : log_level_names())
    if (n == level) lvl = spdlog::level::from_str(level);
  logger->set_level(lvl);
  spdlog::set_default_logger(logger);
}

const char* version() {
  return TB_VERSION_STRING " (git " TB_GIT_DESCRIBE ")";
}

const char* git_commit() {
  return TB_GIT_DESCRIBE;
}

const char* errc_name(Errc e) {
  switch (e) {
    case Errc::invalid:
      return "invalid";
    case Errc::not_found:
      return "not_found";
    case Errc::busy:
      return "busy";
    case Errc::io:
      return "io";
    case Errc::disconnected:
      return "disconnected";
    case Errc::no_space:
      return "no_space";
    case Errc::refused:
      return "refused";
    case Errc::timeout:
      return "timeout";
    case Errc::mismatch:
      return "mismatch";
    case Errc::unsupported:
      return "unsupported";
    case Errc::cancelled:
      return "cancelled";
    case Errc::internal:
      return "internal";
  }
  return "unknown";
}

}  // namespace tb
