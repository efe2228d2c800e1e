#pragma once
// GPS from a gpsd daemon (gps.backend: gpsd). The reader thread connects to
// gps.gpsd_host:gps.gpsd_port, reconnects with back-off when gpsd is down or restarts, and
// publishes every TPV report (a no-fix report too, so a lost fix is never shown as the old
// position). latest() and status() never touch the socket.
#include <chrono>
#include <memory>

#include "tetherbox/config/config.hpp"
#include "tetherbox/hal/clock.hpp"
#include "tetherbox/hal/gps.hpp"

namespace tb::hal::gpsd_backend {

struct Options {
  std::string host = "localhost";
  int port = 2947;
  std::chrono::milliseconds backoff_min{250};
  std::chrono::milliseconds backoff_max{8000};
  // start() waits up to this long for gpsd's first report, so frames taken right at session
  // start carry the fix gpsd already has; it returns at once when gpsd is unreachable.
  std::chrono::milliseconds first_report_wait{2000};
};

std::unique_ptr<GpsSource> make_gps(const Options& opts, std::shared_ptr<Clock> clock);
std::unique_ptr<GpsSource> make_gps(const config::Config& cfg, std::shared_ptr<Clock> clock);

}  // namespace tb::hal::gpsd_backend
