#pragma once
// Turning the background samplers' latest readings into record fields. A reading older than
// its allowed age is never used: the record says "stale" or "no fix" instead.
#include <optional>

#include "tetherbox/capture/record.hpp"
#include "tetherbox/hal/environment.hpp"
#include "tetherbox/hal/gps.hpp"

namespace tb::capture {

// gps == nullptr: no GPS configured.
GpsRecord gps_record(const hal::GpsSource* gps, SteadyTime now, double max_fix_age_s);
AmbientRecord ambient_record(const hal::EnvironmentSensor* sensor, SteadyTime now,
                             double max_age_s);

}  // namespace tb::capture
