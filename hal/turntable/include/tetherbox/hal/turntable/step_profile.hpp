#pragma once
// Trapezoidal motion profile as a step schedule: a pure function, so ramps are unit-tested
// without a motor or a clock.
#include <cstdint>
#include <vector>

namespace tb::hal::turntable {

// Time (seconds from the start of the move) at which each of `steps` pulses is due, for a
// move that accelerates at `accel` steps/s^2 up to `max_speed` steps/s, cruises, and
// decelerates symmetrically to rest at the last step. A move too short to reach max_speed
// is triangular. Empty when steps == 0 or a rate is not positive.
std::vector<double> trapezoid_schedule(int64_t steps, double max_speed, double accel);

}  // namespace tb::hal::turntable
