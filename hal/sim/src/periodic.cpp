#include "periodic.hpp"

#include <algorithm>

#include "virtual_clock.hpp"

namespace tb::hal::sim {

Periodic::Periodic(std::shared_ptr<Clock> clock, std::chrono::nanoseconds period,
                   std::function<void(uint64_t)> tick)
    : clock_(std::move(clock)),
      period_(std::max<std::chrono::nanoseconds>(period, std::chrono::milliseconds(1))),
      tick_(std::move(tick)) {}

Periodic::~Periodic() {
  stop();
}

void Periodic::start() {
  if (thread_.joinable()) return;
  stop_ = false;
  if (auto* vc = dynamic_cast<VirtualClock*>(clock_.get())) {
    // Counted as running before the thread exists: time waits for the first tick.
    auto timer = std::make_shared<VirtualClock::Timer>(*vc, true);
    thread_ = std::thread([this, timer] { run_virtual(*timer); });
    return;
  }
  thread_ = std::thread([this] { run(); });
}

void Periodic::stop() {
  stop_ = true;
  if (auto* vc = dynamic_cast<VirtualClock*>(clock_.get())) vc->wake_waiters();
  if (thread_.joinable()) thread_.join();
}

void Periodic::run() {
  // Deadlines on the steady scale, so tick work does not stretch the period; short sleeps so
  // stop() never waits a whole period.
  constexpr auto kSlice = std::chrono::milliseconds(20);
  SteadyTime next = clock_->now_steady();
  for (uint64_t n = 0; !stop_; ++n) {
    tick_(n);
    next += period_;
    for (;;) {
      if (stop_) return;
      const auto left = next - clock_->now_steady();
      if (left <= std::chrono::nanoseconds::zero()) break;
      clock_->sleep_for(std::min<std::chrono::nanoseconds>(left, kSlice));
    }
  }
}

void Periodic::run_virtual(VirtualClock::Timer& timer) {
  // On virtual time each tick happens exactly at start + n * period, however the foreground
  // jumps: a long sleep releases every tick on its way, in order.
  const SteadyTime start = clock_->now_steady();
  for (uint64_t n = 0; !stop_; ++n) {
    tick_(n);
    if (!timer.wait_until(start + period_ * static_cast<int64_t>(n + 1), stop_)) return;
  }
}

}  // namespace tb::hal::sim
