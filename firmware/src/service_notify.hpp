#pragma once
// The daemon's word to its supervisor (systemd Type=notify). Every call is a no-op when the
// process was not started by systemd (NOTIFY_SOCKET unset), so tetherboxd runs the same by hand,
// in tests and under systemd.
#include <chrono>
#include <optional>
#include <string>

namespace tb::service {

void notify_ready();                          // READY=1: devices are up, the socket listens
void notify_status(const std::string& text);  // STATUS=…: one line, shown by systemctl status
void notify_stopping();                       // STOPPING=1
void notify_reloading();                      // RELOADING=1 (then notify_ready when done)
void notify_watchdog();                       // WATCHDOG=1: call from the capture loop
// text with newlines and carriage returns made spaces (what notify_status sends).
std::string one_line(const std::string& text);
// The watchdog interval systemd expects (WatchdogSec=), if any; ping at half of it.
std::optional<std::chrono::microseconds> watchdog_interval();

}  // namespace tb::service
