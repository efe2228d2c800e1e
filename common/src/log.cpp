#include "tetherbox/common/log.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>

#include <cstdlib>

#include "tetherbox/common/result.hpp"

namespace tb {

void init_logging(const std::string& level) {
  auto logger = spdlog::stderr_color_mt("tetherbox");
  if (std::getenv("JOURNAL_STREAM") != nullptr)
    logger->set_pattern("<%l> %v");
  else
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %v", spdlog::pattern_time_type::utc);
  logger->set_level(spdlog::level::from_str(level));
  spdlog::set_default_logger(logger);
}

const char* errc_name(Errc e) {
  switch (e) {
    case Errc::invalid: return "invalid";
    case Errc::not_found: return "not_found";
    case Errc::busy: return "busy";
    case Errc::io: return "io";
    case Errc::disconnected: return "disconnected";
    case Errc::no_space: return "no_space";
    case Errc::refused: return "refused";
    case Errc::timeout: return "timeout";
    case Errc::mismatch: return "mismatch";
    case Errc::unsupported: return "unsupported";
    case Errc::cancelled: return "cancelled";
    case Errc::internal: return "internal";
  }
  return "unknown";
}

}  // namespace tb
