#include <algorithm>

#include "tetherbox/hal/sim/sim.hpp"
#include "virtual_clock.hpp"

namespace tb::hal::sim {

VirtualClock::VirtualClock(UtcTime utc_start, SteadyTime steady_start)
    : utc0_(utc_start), steady0_(steady_start) {}

UtcTime VirtualClock::now_utc() const {
  return utc0_ +
         std::chrono::duration_cast<UtcTime::duration>(std::chrono::nanoseconds(ns_.load()));
}

SteadyTime VirtualClock::now_steady() const {
  return steady0_ +
         std::chrono::duration_cast<SteadyTime::duration>(std::chrono::nanoseconds(ns_.load()));
}

void VirtualClock::sleep_for(std::chrono::nanoseconds d) {
  std::lock_guard advance(advance_mu_);
  std::unique_lock lock(mu_);
  // Saturate rather than wrap: a sleep of years is still a sleep forward.
  const int64_t now = ns_.load();
  const int64_t step = std::max<int64_t>(0, d.count());
  const int64_t target = step > INT64_MAX - now ? INT64_MAX : now + step;
  for (;;) {
    fg_cv_.wait(lock, [&] { return running_ticks_ == 0; });
    if (waiting_.empty() || (*waiting_.begin())->deadline_ns_ > target) break;
    Timer* due = *waiting_.begin();
    waiting_.erase(waiting_.begin());
    ns_.store(std::max(ns_.load(), due->deadline_ns_));
    due->released_ = true;
    due->running_ = true;
    ++running_ticks_;
    bg_cv_.notify_all();
  }
  ns_.store(std::max(ns_.load(), target));
}

void VirtualClock::wake_waiters() {
  std::lock_guard lock(mu_);
  bg_cv_.notify_all();
}

VirtualClock::Timer::Timer(VirtualClock& clock, bool running) : clock_(clock) {
  if (!running) return;
  std::lock_guard lock(clock_.mu_);
  running_ = true;
  ++clock_.running_ticks_;
}

VirtualClock::Timer::~Timer() {
  std::lock_guard lock(clock_.mu_);
  clock_.waiting_.erase(this);
  if (running_) {
    running_ = false;
    --clock_.running_ticks_;
    clock_.fg_cv_.notify_all();
  }
}

bool VirtualClock::Timer::wait_until(SteadyTime deadline, const std::atomic<bool>& stop) {
  std::unique_lock lock(clock_.mu_);
  if (running_) {
    running_ = false;
    --clock_.running_ticks_;
    clock_.fg_cv_.notify_all();
  }
  const auto rel = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - clock_.steady0_);
  deadline_ns_ = rel.count();
  if (deadline_ns_ <= clock_.ns_.load()) {
    running_ = true;
    ++clock_.running_ticks_;
    return true;
  }
  released_ = false;
  order_ = clock_.next_order_++;
  clock_.waiting_.insert(this);
  clock_.bg_cv_.wait(lock, [&] { return released_ || stop.load(); });
  if (released_) return true;  // running_ was set by the releasing sleep_for
  clock_.waiting_.erase(this);
  return false;
}

std::shared_ptr<Clock> make_clock(const config::Config&) {
  return std::make_shared<VirtualClock>(std::chrono::system_clock::now(),
                                        std::chrono::steady_clock::now());
}

bool is_virtual_clock(const Clock& clock) {
  return dynamic_cast<const VirtualClock*>(&clock) != nullptr;
}

}  // namespace tb::hal::sim
