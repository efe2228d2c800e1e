#pragma once
#include <memory>
#include <string>

#include "tetherbox/common/time_utc.hpp"

namespace tb::hal {

// How far now_utc() may be from true UTC, as the host knows it at this moment.
struct ClockSync {
  // Bound on |now_utc() - UTC| in seconds. Unsynchronised clocks report the kernel's ceiling
  // (16 s), never a comfortable constant: nothing vouches for them.
  double uncertainty_s = 0;
  bool synchronised = false;
  // "chrony" (chronyc tracking), "adjtimex" (kernel NTP state), "simulated" (sim board),
  // "declared" (a clock that only states a constant, e.g. a test fake).
  std::string source;
  // What the bound is made of, or why the clock counts as unsynchronised.
  std::string detail;
};

// UTC for records, steady for intervals. The sim board can run faster than real time.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual UtcTime now_utc() const = 0;
  virtual SteadyTime now_steady() const = 0;
  // Estimated uncertainty of now_utc() in seconds (chrony's offset bound where known).
  virtual double utc_uncertainty_s() const = 0;
  // The sync state behind utc_uncertainty_s(); cheap enough to call once per frame.
  virtual ClockSync sync_state() const {
    return {utc_uncertainty_s(), true, "declared", "constant stated by the clock"};
  }
  virtual void sleep_for(std::chrono::nanoseconds d) = 0;
};

class ClockSyncMonitor;

// The host clock. Its sync state comes from adjtimex(2) on every call (one syscall) and from
// `chronyc -c tracking`, run by a background thread from construction on, every 16 s: the
// capture path never waits for a process, and the answer is there before the first frame
// (until it is, sync_state() reports the kernel's view).
class SystemClock final : public Clock {
 public:
  SystemClock();
  ~SystemClock() override;
  SystemClock(const SystemClock&) = delete;
  SystemClock& operator=(const SystemClock&) = delete;
  UtcTime now_utc() const override { return std::chrono::system_clock::now(); }
  SteadyTime now_steady() const override { return std::chrono::steady_clock::now(); }
  double utc_uncertainty_s() const override { return sync_state().uncertainty_s; }
  ClockSync sync_state() const override;
  void sleep_for(std::chrono::nanoseconds d) override;

 private:
  std::unique_ptr<ClockSyncMonitor> monitor_;
};

}  // namespace tb::hal
