#pragma once
// The sim board's virtual clock. Time moves only when a foreground thread (runner, camera,
// turntable, buttons) sleeps on it, and then at once: sleep_for(d) jumps d ahead. Background
// samplers (GPS, ambient) do not move time; they wait for it with a Timer and run each tick at
// its exact virtual instant while time stands still, so a reading taken after a sleep is the
// one a real board would have at that moment (no lag, no race with the sampler thread).
//
// Rules: a background tick must not call sleep_for (it would wait for itself); a foreground
// thread must not hold a lock a tick needs while it sleeps.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <set>

#include "tetherbox/hal/clock.hpp"

namespace tb::hal::sim {

class VirtualClock final : public Clock {
 public:
  VirtualClock(UtcTime utc_start, SteadyTime steady_start);

  UtcTime now_utc() const override;
  SteadyTime now_steady() const override;
  // The board's time is exact by construction; its offset from the host is not a measurement.
  double utc_uncertainty_s() const override { return 0.0; }
  ClockSync sync_state() const override {
    return {0.0, true, "simulated", "sim board virtual clock"};
  }
  // Advances virtual time by d (negative: 0), releasing every Timer due on the way in deadline
  // order and waiting for each released tick to finish before going further.
  void sleep_for(std::chrono::nanoseconds d) override;
  // Virtual nanoseconds since the clock was made.
  int64_t elapsed_ns() const { return ns_.load(); }

  // One background thread's wait handle.
  class Timer {
   public:
    // `running`: the owner is about to run a tick now (e.g. the first one of a loop that is
    // being started), so time must not move until it waits or the Timer goes away.
    Timer(VirtualClock& clock, bool running);
    ~Timer();
    Timer(const Timer&) = delete;
    Timer& operator=(const Timer&) = delete;
    // True once virtual time has reached `deadline` (the tick then runs with time standing
    // still until the next wait_until or ~Timer); false as soon as `stop` is true.
    bool wait_until(SteadyTime deadline, const std::atomic<bool>& stop);

   private:
    friend class VirtualClock;
    VirtualClock& clock_;
    int64_t deadline_ns_ = 0;
    uint64_t order_ = 0;
    bool released_ = false;
    bool running_ = false;
  };

  // Wakes every waiting Timer so that it re-checks its stop flag.
  void wake_waiters();

 private:
  struct ByDeadline {
    bool operator()(const Timer* a, const Timer* b) const {
      return a->deadline_ns_ != b->deadline_ns_ ? a->deadline_ns_ < b->deadline_ns_
                                                : a->order_ < b->order_;
    }
  };

  const UtcTime utc0_;
  const SteadyTime steady0_;
  std::atomic<int64_t> ns_{0};
  std::mutex advance_mu_;  // one foreground advance at a time
  std::mutex mu_;
  std::condition_variable fg_cv_;  // a released tick finished
  std::condition_variable bg_cv_;  // a timer was released, or a stop flag may have changed
  std::set<Timer*, ByDeadline> waiting_;
  int running_ticks_ = 0;
  uint64_t next_order_ = 0;
};

}  // namespace tb::hal::sim
