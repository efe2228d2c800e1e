#include "tetherbox/capture/tags.hpp"

#include <fmt/format.h>

namespace tb::capture {

GpsRecord gps_record(const hal::GpsSource* gps, SteadyTime now, double max_fix_age_s) {
  GpsRecord r;
  if (gps == nullptr) {
    r.reason = "no gps configured";
    return r;
  }
  auto reading = gps->latest();
  if (!reading) {
    r.reason = "no data from gps";
    return r;
  }
  r.source = reading->source;
  const double age = seconds_between(reading->received, now);
  if (!reading->has_fix()) {
    r.reason = "no fix";
    return r;
  }
  if (age > max_fix_age_s) {
    r.reason = fmt::format("stale fix ({:.1f} s old, limit {:.1f} s)", age, max_fix_age_s);
    return r;
  }
  r.fix = true;
  r.mode = static_cast<int>(reading->mode);
  r.lat_deg = reading->lat_deg;
  r.lon_deg = reading->lon_deg;
  if (reading->mode == hal::FixMode::fix3d) r.alt_msl_m = reading->alt_msl_m;
  r.hdop = reading->hdop;
  r.pdop = reading->pdop;
  r.fix_age_s = age;
  return r;
}

AmbientRecord ambient_record(const hal::EnvironmentSensor* sensor, SteadyTime now,
                             double max_age_s) {
  AmbientRecord r;
  if (sensor == nullptr) {
    r.reason = "no ambient sensor configured";
    return r;
  }
  auto reading = sensor->latest();
  const std::string err = sensor->last_error();
  if (!reading) {
    r.reason = err.empty() ? "no reading yet" : err;
    return r;
  }
  r.sensor_id = reading->sensor_id;
  const double age = seconds_between(reading->read_steady, now);
  if (age > max_age_s) {
    r.reason = fmt::format("stale reading ({:.1f} s old, limit {:.1f} s){}", age, max_age_s,
                           err.empty() ? "" : ": " + err);
    return r;
  }
  r.available = true;
  r.temperature_c = reading->temperature_c;
  r.humidity_pct = reading->humidity_pct;
  r.pressure_hpa = reading->pressure_hpa;
  r.reading_age_s = age;
  return r;
}

}  // namespace tb::capture
