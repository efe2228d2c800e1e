#include "service_notify.hpp"

#ifdef TB_HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

namespace tb::service {

namespace {
void send(const std::string& msg) {
#ifdef TB_HAVE_LIBSYSTEMD
  sd_notify(0, msg.c_str());
#else
  (void)msg;
#endif
}
}  // namespace

void notify_ready() { send("READY=1"); }
void notify_status(const std::string& text) { send("STATUS=" + text); }
void notify_stopping() { send("STOPPING=1"); }
void notify_reloading() { send("RELOADING=1"); }
void notify_watchdog() { send("WATCHDOG=1"); }

std::optional<std::chrono::microseconds> watchdog_interval() {
#ifdef TB_HAVE_LIBSYSTEMD
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) return std::chrono::microseconds(usec);
#endif
  return std::nullopt;
}

}  // namespace tb::service
