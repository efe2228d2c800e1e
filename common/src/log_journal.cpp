#include "log_journal.hpp"

#include <spdlog/sinks/base_sink.h>
#include <sys/uio.h>

#include <cerrno>
#include <mutex>

#include "tetherbox/common/log.hpp"

#ifdef TB_HAVE_LIBSYSTEMD
#include <systemd/sd-journal.h>
#endif

namespace tb::log {
namespace {

// syslog(3) priorities, as journalctl -p reads them.
int priority(spdlog::level::level_enum l) {
  switch (l) {
    case spdlog::level::trace:
    case spdlog::level::debug:
      return 7;
    case spdlog::level::info:
      return 6;
    case spdlog::level::warn:
      return 4;
    case spdlog::level::err:
      return 3;
    case spdlog::level::critical:
      return 2;
    default:
      return 6;
  }
}

#ifdef TB_HAVE_LIBSYSTEMD
class JournalSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  JournalSink(std::shared_ptr<spdlog::sinks::sink> fallback, std::string identifier)
      : fallback_(std::move(fallback)), identifier_(std::move(identifier)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    const std::vector<std::string> items = journal_items(msg, identifier_);
    std::vector<iovec> iov;
    iov.reserve(items.size());
    for (const auto& it : items) iov.push_back(iovec{const_cast<char*>(it.data()), it.size()});
    // sd_journal_sendv copes with newlines and binary in values (it switches to the
    // length-prefixed form per item).
    if (sd_journal_sendv(iov.data(), static_cast<int>(iov.size())) < 0 && fallback_)
      fallback_->log(msg);
  }
  void flush_() override {}

 private:
  std::shared_ptr<spdlog::sinks::sink> fallback_;
  std::string identifier_;
};
#endif

}  // namespace

std::vector<std::string> journal_items(const spdlog::details::log_msg& msg,
                                       const std::string& identifier) {
  std::vector<std::string> items;
  items.push_back("MESSAGE=" + std::string(msg.payload.data(), msg.payload.size()));
  items.push_back("PRIORITY=" + std::to_string(priority(msg.level)));
  items.push_back("SYSLOG_IDENTIFIER=" + identifier);
  if (!msg.source.empty()) {
    items.push_back(std::string("CODE_FILE=") + msg.source.filename);
    items.push_back("CODE_LINE=" + std::to_string(msg.source.line));
    if (msg.source.funcname != nullptr)
      items.push_back(std::string("CODE_FUNC=") + msg.source.funcname);
  }
  for (auto& c : context_items()) items.push_back(std::move(c));
  return items;
}

std::shared_ptr<spdlog::sinks::sink> make_journal_sink(
    std::shared_ptr<spdlog::sinks::sink> fallback) {
#ifdef TB_HAVE_LIBSYSTEMD
  // The program's own name (tetherboxd or tetherbox), as `journalctl -t` filters by it.
  return std::make_shared<JournalSink>(std::move(fallback), program_invocation_short_name);
#else
  (void)fallback;
  return nullptr;
#endif
}

}  // namespace tb::log
