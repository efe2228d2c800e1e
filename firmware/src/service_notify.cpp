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

// The notify message is newline-separated assignments: a newline inside the status (a session
// name from a config) would start another one, e.g. MAINPID= or READY=1.
std::string one_line(const std::string& text) {
  std::string out = text;
  for (char& c : out)
    if (c == '\n' || c == '\r') c = ' ';
  return out;
}

void notify_ready() {
  send("READY=1");
}
void notify_status(const std::string& text) {
  send("STATUS=" + one_line(text));
}
void notify_stopping() {
  send("STOPPING=1");
}
void notify_reloading() {
  send("RELOADING=1");
}
void notify_watchdog() {
  send("WATCHDOG=1");
}

std::optional<std::chrono::microseconds> watchdog_interval() {
#ifdef TB_HAVE_LIBSYSTEMD
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) return std::chrono::microseconds(usec);
#endif
  return std::nullopt;
}

}  // namespace tb::service
