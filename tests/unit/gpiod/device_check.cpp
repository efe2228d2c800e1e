// Run by hand on a Pi (board/rpi5/on-device-check.sh gpio): the real libgpiod path with a
// jumper from an output line to an input line. Drives the output, expects debounced presses
// with kernel timestamps inside the write..event window, a long press, a clean EBUSY error
// for a line already held, a clean error for a line that does not exist, and a wake from
// another thread ending a wait.
//   gpiod_device_check <chip> <out_line> <in_line> [cycles=20]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "tetherbox/hal/gpiod/gpiod_devices.hpp"

using namespace tb;
using namespace tb::hal::gpiod_backend;
using namespace std::chrono_literals;

namespace {
int failures = 0;
void check(bool ok, const std::string& what) {
  std::printf("%s %s\n", ok ? "ok:  " : "FAIL:", what.c_str());
  if (!ok) ++failures;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s <chip> <out_line> <in_line> [cycles=20]\n", argv[0]);
    return 2;
  }
  const std::string chip = argv[1];
  const int out_line = std::atoi(argv[2]), in_line = std::atoi(argv[3]);
  const int cycles = argc > 4 ? std::atoi(argv[4]) : 20;
  std::printf("libgpiod %s\n", libgpiod_version().c_str());
  auto src = make_libgpiod_source();
  auto chips = src->list_chips();
  if (!chips) return std::fprintf(stderr, "FAIL: %s\n", chips.error().message.c_str()), 1;
  for (const auto& c : *chips)
    std::printf("chip %s [%s] %zu lines %s\n", c.name.c_str(), c.label.c_str(), c.line_names.size(),
                c.open_error.c_str());
  auto out_addr = resolve_line({chip, out_line, {}}, *src);
  if (!out_addr) return std::fprintf(stderr, "FAIL: %s\n", out_addr.error().message.c_str()), 1;
  auto out = src->request_outputs({*out_addr}, {false}, "tetherbox-loopback");
  if (!out) return std::fprintf(stderr, "FAIL: %s\n", out.error().message.c_str()), 1;
  auto clock = std::make_shared<hal::SystemClock>();
  ButtonSpec spec;
  spec.name = "loopback";
  spec.line = {chip, in_line, {}};
  spec.active_low = false;
  spec.debounce = 5ms;
  spec.long_action = "abort";
  auto buttons = open_buttons({spec}, {}, src, clock);
  if (!buttons) return std::fprintf(stderr, "FAIL: %s\n", buttons.error().message.c_str()), 1;

  int seen = 0, in_window = 0;
  for (int i = 0; i < cycles; ++i) {
    const auto before = clock->now_utc();
    (void)(*out)->set_level(0, true);
    std::this_thread::sleep_for(50ms);
    (void)(*out)->set_level(0, false);
    auto ev = (*buttons)->wait_press(1s);
    const auto after = clock->now_utc();
    if (ev && !ev->long_press) {
      ++seen;
      if (ev->edge_utc >= before - 1ms && ev->edge_utc <= after) ++in_window;
    }
    std::this_thread::sleep_for(20ms);
  }
  check(seen == cycles,
        std::to_string(seen) + "/" + std::to_string(cycles) + " short presses seen");
  check(in_window == seen, "kernel edge timestamps inside the write..event window (" +
                               std::to_string(in_window) + "/" + std::to_string(seen) + ")");
  (void)(*out)->set_level(0, true);
  auto longp = (*buttons)->wait_press(3s);
  (void)(*out)->set_level(0, false);
  check(longp && longp->long_press && longp->action == "abort", "a 0.8 s hold is a long press");

  // A wake from another thread (the daemon's socket press) ends a long wait at once; the
  // bound only catches a wait that was not woken at all.
  check((*buttons)->can_wake(), "the buttons can be woken (eventfd)");
  std::thread waker([&] {
    std::this_thread::sleep_for(100ms);
    (*buttons)->wake();
  });
  const auto w0 = std::chrono::steady_clock::now();
  auto woken = (*buttons)->wait_press(30s);
  const auto waited = std::chrono::steady_clock::now() - w0;
  waker.join();
  check(!woken && waited < 10s,
        "a wake ends a 30 s wait (waited " +
            std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(waited).count()) +
            " ms)");

  auto again = src->request_inputs({*out_addr}, "tetherbox-second");
  check(!again && again.error().code == Errc::busy &&
            again.error().message.find("tetherbox-loopback") != std::string::npos,
        "a held line is refused: " +
            (again ? std::string("(it was granted!)") : again.error().message));
  auto missing = resolve_line({chip, 999, {}}, *src);
  check(!missing && missing.error().code == Errc::not_found,
        "line 999: " + (missing ? std::string("(resolved!)") : missing.error().message));
  check((*buttons)->status().ok(), "no button faults");
  return failures ? 1 : 0;
}
