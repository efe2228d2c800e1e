#pragma once
#include "tetherbox/common/time_utc.hpp"

namespace tb::hal {

// UTC for records, steady for intervals. The sim board can run faster than real time.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual UtcTime now_utc() const = 0;
  virtual SteadyTime now_steady() const = 0;
  // Estimated uncertainty of now_utc() in seconds (chrony's offset bound where known).
  virtual double utc_uncertainty_s() const = 0;
  virtual void sleep_for(std::chrono::nanoseconds d) = 0;
};

class SystemClock final : public Clock {
 public:
  UtcTime now_utc() const override { return std::chrono::system_clock::now(); }
  SteadyTime now_steady() const override { return std::chrono::steady_clock::now(); }
  double utc_uncertainty_s() const override { return 0.01; }
  void sleep_for(std::chrono::nanoseconds d) override;
};

}  // namespace tb::hal
