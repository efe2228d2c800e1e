// Position-based trapezoid: step i is due when the ideal motion s(t) reaches i. The decel
// ramp is the accel ramp mirrored in time, so both ramps are symmetric by construction.
#include "tetherbox/hal/turntable/step_profile.hpp"

#include <algorithm>
#include <cmath>

namespace tb::hal::turntable {

std::vector<double> trapezoid_schedule(int64_t steps, double max_speed, double accel) {
  std::vector<double> t;
  if (steps <= 0 || !(max_speed > 0) || !(accel > 0)) return t;
  const double n = static_cast<double>(steps);
  // Distance covered while ramping to max_speed, capped at half the move (triangular case).
  const double ramp = std::min(max_speed * max_speed / (2.0 * accel), n / 2.0);
  const double peak = std::sqrt(2.0 * accel * ramp);
  const double ramp_time = peak / accel;
  const double total = 2.0 * ramp_time + (n - 2.0 * ramp) / max_speed;
  auto accel_time = [&](double s) { return std::sqrt(2.0 * s / accel); };
  t.reserve(static_cast<size_t>(steps));
  for (int64_t i = 1; i <= steps; ++i) {
    const double s = static_cast<double>(i);
    if (s <= ramp)
      t.push_back(accel_time(s));
    else if (s <= n - ramp)
      t.push_back(ramp_time + (s - ramp) / max_speed);
    else
      t.push_back(total - accel_time(n - s));
  }
  return t;
}

}  // namespace tb::hal::turntable
