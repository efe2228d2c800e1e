// Range, enum and cross-field checks. They run on every config, loaded or built in code, so
// the rules live here once; the YAML reader only checks structure and types and then places
// these issues at the file:line:col of the key they name.
#include <cctype>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <fmt/format.h>

#include "issues.hpp"
#include "schema_fields.hpp"
#include "suggest.hpp"
#include "tetherbox/config/load.hpp"

namespace tb::config {
namespace detail {

namespace {

class Checker {
 public:
  std::vector<Issue> issues;

  void add(std::string path, std::string message) {
    issues.push_back({std::move(path), std::move(message)});
  }

  void one_of(const std::string& path, const std::string& value,
              const std::vector<std::string>& allowed) {
    for (const auto& a : allowed) {
      if (a == value) return;
    }
    std::string msg = fmt::format("'{}' is not allowed", value);
    if (auto m = closest_match(value, allowed)) msg += fmt::format(" (did you mean '{}'?)", *m);
    add(path, msg + "; expected one of: " + join_names(allowed));
  }

  // Closed range [lo, hi].
  void in_range(const std::string& path, double v, double lo, double hi, const char* unit = "") {
    if (!std::isfinite(v) || v < lo || v > hi) {
      add(path, fmt::format("{} is out of range; expected {}..{}{}", v, lo, hi, unit));
    }
  }
  void positive(const std::string& path, double v, const char* unit = "") {
    if (!std::isfinite(v) || v <= 0) {
      add(path, fmt::format("{} must be greater than 0; expected a positive value{}", v, unit));
    }
  }
  void non_negative(const std::string& path, double v, const char* unit = "") {
    if (!std::isfinite(v) || v < 0) {
      add(path, fmt::format("{} must not be negative; expected 0 or more{}", v, unit));
    }
  }
  // Whole numbers: closed range [lo, hi].
  void int_range(const std::string& path, long long v, long long lo, long long hi,
                 const char* unit = "") {
    if (v < lo || v > hi)
      add(path, fmt::format("{} is out of range; expected {}..{}{}", v, lo, hi, unit));
  }
  void max_items(const std::string& path, size_t n, size_t most) {
    if (n > most) add(path, fmt::format("has {} entries; expected at most {}", n, most));
  }
  void finite(const std::string& path, double v) {
    if (!std::isfinite(v)) add(path, fmt::format("{} is not finite; expected a number", v));
  }
  void non_empty(const std::string& path, const std::string& v, const char* what) {
    if (v.empty()) add(path, fmt::format("is empty; expected {}", what));
  }
  // A gpiod line needs a chip and an offset.
  void gpio(const std::string& path, const std::string& chip, int line) {
    if (chip.empty()) add(path + ".chip", "is empty; expected a gpiod chip name such as gpiochip0");
    if (line < 0)
      add(path + ".line", fmt::format("{} is not a line offset; expected 0 or more", line));
  }
};

// Ranges: generous for any real rig, tight enough that no accepted value can overflow or
// exhaust memory further down (the sim renders width x height, timeouts become sleeps, ...).
constexpr long long kMaxSimSide = 16384;
constexpr long long kMaxSimPixels = 100'000'000;
constexpr size_t kMaxListItems = 1000;
constexpr long long kMaxCaptureIndex = 10'000'000;
constexpr long long kMaxMs = 600'000;           // 10 minutes: any longer wait is a typo
constexpr size_t kMaxNamed = 64;                // lights, presets, buttons, rings, brackets
constexpr uint64_t kMaxReserveMb = 1ULL << 24;  // 16 TB: reserve_mb << 20 stays in 64 bits
constexpr size_t kMaxSessionName = 100;

std::string idx(const std::string& base, size_t i) {
  return fmt::format("{}[{}]", base, i);
}

void check_camera(Checker& c, const Camera& cam) {
  c.one_of("camera.backend", cam.backend, {"sim", "gphoto2", "libcamera"});
  c.one_of("camera.format", cam.format, {"raw", "jpeg", "raw+jpeg"});
  c.one_of("camera.capture_target", cam.capture_target, {"card", "ram"});
  const PowerRelay& relay = cam.power_relay;
  if (!relay.chip.empty() || relay.line >= 0) {
    c.gpio("camera.power_relay", relay.chip, relay.line);
    c.int_range("camera.power_relay.off_ms", relay.off_ms, 100, 60000, " ms");
  }
  if (auto s = parse_shutter(cam.exposure.shutter); !s) {
    c.add("camera.exposure.shutter", s.error().message);
  } else if (std::abs(*s - cam.exposure.shutter_s) > 1e-9 * std::max(1.0, *s)) {
    c.add("camera.exposure.shutter_s",
          fmt::format("{} s disagrees with shutter '{}' ({} s); expected shutter_s set from "
                      "shutter (parse_shutter)",
                      cam.exposure.shutter_s, cam.exposure.shutter, *s));
  }
  c.positive("camera.exposure.aperture", cam.exposure.aperture, " f-number");
  if (cam.exposure.aperture > 0)
    c.in_range("camera.exposure.aperture", cam.exposure.aperture, 0.5, 128, " (f-number)");
  if (cam.exposure.iso <= 0) {
    c.add("camera.exposure.iso",
          fmt::format("{} must be greater than 0; expected an ISO such as 100", cam.exposure.iso));
  } else {
    c.int_range("camera.exposure.iso", cam.exposure.iso, 1, 409600);
  }
  c.positive("camera.verify_tolerance_ev", cam.verify_tolerance_ev, " in stops");
  if (cam.verify_tolerance_ev > 0)
    c.in_range("camera.verify_tolerance_ev", cam.verify_tolerance_ev, 0, 3, " stops");
  c.non_negative("camera.verify_retries", cam.verify_retries);
  if (cam.verify_retries >= 0) c.int_range("camera.verify_retries", cam.verify_retries, 0, 20);
  const auto& sim = cam.sim;
  if (sim.width <= 0)
    c.add("camera.sim.width", fmt::format("{} must be greater than 0; expected pixels", sim.width));
  else
    c.int_range("camera.sim.width", sim.width, 16, kMaxSimSide, " pixels");
  if (sim.height <= 0)
    c.add("camera.sim.height",
          fmt::format("{} must be greater than 0; expected pixels", sim.height));
  else
    c.int_range("camera.sim.height", sim.height, 16, kMaxSimSide, " pixels");
  if (sim.width > 0 && sim.height > 0 &&
      static_cast<long long>(sim.width) * sim.height > kMaxSimPixels) {
    c.add("camera.sim.width",
          fmt::format("{} x {} is {} pixels; expected at most {} (100 megapixels)", sim.width,
                      sim.height, static_cast<long long>(sim.width) * sim.height, kMaxSimPixels));
  }
  c.in_range("camera.sim.faults.busy_probability", sim.faults.busy_probability, 0, 1);
  c.max_items("camera.sim.faults.disconnect_at", sim.faults.disconnect_at.size(), kMaxListItems);
  for (size_t i = 0; i < sim.faults.disconnect_at.size() && i < kMaxListItems; ++i) {
    c.int_range(idx("camera.sim.faults.disconnect_at", i), sim.faults.disconnect_at[i], 0,
                kMaxCaptureIndex, " (0-based capture index)");
  }
  c.max_items("camera.sim.faults.wrong_exposure_at", sim.faults.wrong_exposure_at.size(),
              kMaxListItems);
  for (size_t i = 0; i < sim.faults.wrong_exposure_at.size() && i < kMaxListItems; ++i) {
    c.int_range(idx("camera.sim.faults.wrong_exposure_at", i), sim.faults.wrong_exposure_at[i], 0,
                kMaxCaptureIndex, " (0-based capture index)");
  }
  if (sim.faults.disconnect_captures < 1) {
    c.add("camera.sim.faults.disconnect_captures",
          fmt::format("{} must be at least 1; expected a count of failing calls",
                      sim.faults.disconnect_captures));
  } else {
    c.int_range("camera.sim.faults.disconnect_captures", sim.faults.disconnect_captures, 1, 1000);
  }
  c.non_negative("camera.sim.faults.slow_download_ms", sim.faults.slow_download_ms);
  if (sim.faults.slow_download_ms >= 0)
    c.int_range("camera.sim.faults.slow_download_ms", sim.faults.slow_download_ms, 0, kMaxMs,
                " ms");
  c.int_range("camera.sim.faults.zoom_creep_from", sim.faults.zoom_creep_from, -1, kMaxCaptureIndex,
              " (0-based capture index, -1: never)");
  c.in_range("camera.sim.faults.zoom_creep_mm_per_frame", sim.faults.zoom_creep_mm_per_frame, -50,
             50, " mm");
  c.max_items("camera.sim.faults.defocus_at", sim.faults.defocus_at.size(), kMaxListItems);
  for (size_t i = 0; i < sim.faults.defocus_at.size() && i < kMaxListItems; ++i)
    c.int_range(idx("camera.sim.faults.defocus_at", i), sim.faults.defocus_at[i], 0,
                kMaxCaptureIndex, " (0-based capture index)");
  c.int_range("camera.sim.faults.defocus_radius_px", sim.faults.defocus_radius_px, 1, 64,
              " pixels");
}

// rclone remote names: letters, digits, '_', '-', '.', '+', '@' and spaces (not first or last).
bool rclone_remote(const std::string& r) {
  const auto colon = r.find(':');
  if (colon == std::string::npos || colon == 0) return false;
  const std::string name = r.substr(0, colon);
  if (name.front() == ' ' || name.back() == ' ' || name.front() == '-') return false;
  for (unsigned char ch : name)
    if (!std::isalnum(ch) && std::string_view("_-.+@ ").find(static_cast<char>(ch)) ==
                                 std::string_view::npos)
      return false;
  return true;
}

void check_delivery(Checker& c, const Sync& s, const Delivery& d) {
  c.max_items("sync.remotes", s.remotes.size(), 16);
  for (size_t i = 0; i < s.remotes.size() && i < 16; ++i) {
    const auto& r = s.remotes[i];
    if (!rclone_remote(r))
      c.add(idx("sync.remotes", i),
            fmt::format("'{}' is not an rclone remote; expected name:path (a remote of your "
                        "rclone.conf, e.g. s3box:bucket/bags; a local folder is local:/path)",
                        r));
    for (size_t k = 0; k < i; ++k)
      if (s.remotes[k] == r) c.add(idx("sync.remotes", i), fmt::format("'{}' is listed twice", r));
  }
  if (s.when_idle && s.remotes.empty())
    c.add("sync.when_idle", "is true but sync.remotes is empty; expected at least one remote");
  c.int_range("delivery.copies_required", d.copies_required, 1, 16, " places");
}

void check_quality(Checker& c, const Quality& q) {
  c.in_range("quality.focal_tolerance_mm", q.focal_tolerance_mm, 0.01, 100, " mm");
  c.in_range("quality.max_clipped_high", q.max_clipped_high, 0, 1, " (fraction)");
  c.in_range("quality.max_clipped_low", q.max_clipped_low, 0, 1, " (fraction)");
  c.in_range("quality.min_sharpness_ratio", q.min_sharpness_ratio, 0, 1, " (fraction)");
  c.int_range("quality.max_retakes", q.max_retakes, 0, 10, " retakes per frame");
  c.int_range("quality.retake_extra_settle_ms", q.retake_extra_settle_ms, 0, kMaxMs, " ms");
}

// Ranges hold whichever backend is chosen (a snapshot stays loadable); the port and the lines
// are required only when their backend is.
void check_gcode_turntable(Checker& c, const GcodeTurntable& g, bool chosen) {
  const std::string p = "turntable.gcode";
  if (chosen) c.non_empty(p + ".port", g.port, "the controller's serial device, e.g. /dev/ttyUSB0");
  std::vector<std::string> bauds = {"9600",   "19200",  "38400",  "57600", "115200",
                                    "230400", "460800", "500000", "921600"};
  c.one_of(p + ".baud", std::to_string(g.baud), bauds);
  c.one_of(p + ".dialect", g.dialect, {"grbl", "marlin"});
  c.one_of(p + ".axis", g.axis, {"X", "Y", "Z", "A", "B", "C", "E"});
  c.in_range(p + ".units_per_rev", g.units_per_rev, 0.001, 1e6, " axis units");
  c.in_range(p + ".gear_ratio", g.gear_ratio, 0.01, 1000, "");
  c.in_range(p + ".feed", g.feed, 0.001, 1e6, " axis units per minute");
  c.int_range(p + ".timeout_ms", g.timeout_ms, 50, kMaxMs, " ms");
}

void check_stepdir_turntable(Checker& c, const StepdirTurntable& s, bool chosen) {
  const std::string p = "turntable.stepdir";
  if (chosen) {
    c.non_empty(p + ".chip", s.chip, "a gpiod chip name such as gpiochip0");
    if (s.step_line < 0)
      c.add(p + ".step_line",
            fmt::format("{} is not a line offset; expected 0 or more", s.step_line));
    if (s.dir_line < 0)
      c.add(p + ".dir_line",
            fmt::format("{} is not a line offset; expected 0 or more", s.dir_line));
  }
  c.int_range(p + ".step_line", s.step_line, -1, 1023);
  c.int_range(p + ".dir_line", s.dir_line, -1, 1023);
  c.int_range(p + ".enable_line", s.enable_line, -1, 1023, " (-1: none)");
  c.int_range(p + ".home_line", s.home_line, -1, 1023, " (-1: none)");
  c.int_range(p + ".steps_per_rev", s.steps_per_rev, 1, 100000, " full steps");
  c.one_of(p + ".microsteps", std::to_string(s.microsteps),
           {"1", "2", "4", "8", "16", "32", "64", "128", "256"});
  c.in_range(p + ".gear_ratio", s.gear_ratio, 0.01, 1000, "");
  c.in_range(p + ".max_speed_deg_s", s.max_speed_deg_s, 0.1, 720, " degrees per second");
  c.in_range(p + ".accel_deg_s2", s.accel_deg_s2, 0.1, 10000, " degrees per second squared");
}

void check_orbit(Checker& c, const Config& cfg) {
  const auto& lens = cfg.lens;
  c.in_range("lens.focal_length_mm", lens.focal_length_mm, 1, 2000, " mm");
  c.in_range("lens.sensor_width_mm", lens.sensor_width_mm, 1, 100, " mm");
  c.in_range("lens.sensor_height_mm", lens.sensor_height_mm, 1, 100, " mm");

  const auto& o = cfg.orbit;
  c.in_range("orbit.subject_distance_m", o.subject_distance_m, 0.01, 1000, " m");
  c.in_range("orbit.subject_radius_m", o.subject_radius_m, 0, 100, " m");
  if (o.subject_radius_m >= o.subject_distance_m) {
    c.add("orbit.subject_radius_m",
          fmt::format("{} m reaches the camera at subject_distance_m {} m; expected a radius "
                      "smaller than subject_distance_m",
                      o.subject_radius_m, o.subject_distance_m));
  }
  c.in_range("orbit.target_overlap", o.target_overlap, 0.60, 0.90,
             " (fraction of the subject surface seen by neighbouring views)");
  c.in_range("orbit.max_view_angle_deg", o.max_view_angle_deg, 10, 120, " degrees");
  if (!std::isfinite(o.coverage_deg) || o.coverage_deg <= 0 || o.coverage_deg > 360) {
    c.add("orbit.coverage_deg",
          fmt::format("{} is out of range; expected more than 0 and at most 360", o.coverage_deg));
  }
  c.in_range("orbit.start_azimuth_deg", o.start_azimuth_deg, -360, 360, " degrees");
  if (o.enabled && o.rings.empty()) {
    c.add("orbit.rings", "is empty; expected at least one ring when orbit.enabled is true");
  }
  c.max_items("orbit.rings", o.rings.size(), kMaxNamed);
  // Two rings at one elevation take every pose twice (aliased rings): never what was meant.
  std::map<double, size_t> elevations;
  for (size_t i = 0; i < o.rings.size() && i <= kMaxNamed; ++i) {
    const auto p = idx("orbit.rings", i);
    c.in_range(p + ".elevation_deg", o.rings[i].elevation_deg, -90, 90, " degrees");
    if (auto [it, fresh] = elevations.emplace(o.rings[i].elevation_deg, i); !fresh) {
      c.add(p + ".elevation_deg",
            fmt::format("{} repeats the elevation of orbit.rings[{}]; expected each ring at its "
                        "own elevation",
                        o.rings[i].elevation_deg, it->second));
    }
    if (o.rings[i].positions && *o.rings[i].positions < 1) {
      c.add(p + ".positions",
            fmt::format("{} positions; expected at least 1 (or leave it out to compute it from "
                        "orbit.target_overlap)",
                        *o.rings[i].positions));
    } else if (o.rings[i].positions) {
      c.int_range(p + ".positions", *o.rings[i].positions, 1, 720);
    }
  }

  const auto& t = cfg.turntable;
  c.one_of("turntable.backend", t.backend, {"sim", "gcode", "stepdir", "none"});
  c.in_range("turntable.speed_deg_s", t.speed_deg_s, 0.1, 3600, " degrees per second");
  if (t.settle_ms < 0) {
    c.add("turntable.settle_ms",
          fmt::format("{} must not be negative; expected 0 or more milliseconds", t.settle_ms));
  } else {
    c.int_range("turntable.settle_ms", t.settle_ms, 0, kMaxMs, " ms");
  }
  c.in_range("turntable.step_deg", t.step_deg, 0.001, 10, " degrees");
  check_gcode_turntable(c, t.gcode, t.backend == "gcode");
  check_stepdir_turntable(c, t.stepdir, t.backend == "stepdir");
  c.int_range("turntable.sim.needed_settle_ms", t.sim.needed_settle_ms, 0, kMaxMs, " ms");
}

void check_lighting(Checker& c, const Lighting& l) {
  c.one_of("lighting.backend", l.backend, {"sim", "gpiod", "none"});
  std::vector<std::string> names;
  std::set<std::string> seen;
  c.max_items("lighting.lights", l.lights.size(), kMaxNamed);
  c.max_items("lighting.presets", l.presets.size(), kMaxNamed);
  for (size_t i = 0; i < l.lights.size() && i <= kMaxNamed; ++i) {
    const auto p = idx("lighting.lights", i);
    const auto& light = l.lights[i];
    c.non_empty(p + ".name", light.name, "a light name");
    if (!light.name.empty() && !seen.insert(light.name).second) {
      c.add(p + ".name",
            fmt::format("duplicate light name '{}'; expected unique names", light.name));
    }
    names.push_back(light.name);
    c.in_range(p + ".colour_temp_k", light.colour_temp_k, 1000, 20000, " kelvin");
    c.in_range(p + ".azimuth_deg", light.azimuth_deg, -360, 360, " degrees");
    c.in_range(p + ".elevation_deg", light.elevation_deg, -90, 90, " degrees");
    c.in_range(p + ".intensity", light.intensity, 0, 100);
    if (light.line < -1 || light.line > 1023)
      c.int_range(p + ".line", light.line, -1, 1023, " (gpiod line offset, -1: none)");
    if (l.backend == "gpiod") c.gpio(p, light.chip, light.line);
  }
  std::set<std::string> preset_names;
  for (size_t i = 0; i < l.presets.size() && i <= kMaxNamed; ++i) {
    const auto p = idx("lighting.presets", i);
    const auto& preset = l.presets[i];
    c.non_empty(p + ".name", preset.name, "a preset name");
    if (!preset.name.empty() && !preset_names.insert(preset.name).second) {
      c.add(p + ".name",
            fmt::format("duplicate preset name '{}'; expected unique names", preset.name));
    }
    c.max_items(p + ".on", preset.on.size(), kMaxNamed);
    for (size_t j = 0; j < preset.on.size() && j <= kMaxNamed; ++j) {
      if (seen.count(preset.on[j]) == 0) {
        std::string msg = fmt::format("light '{}' is not defined in lighting.lights", preset.on[j]);
        if (auto m = closest_match(preset.on[j], names))
          msg += fmt::format(" (did you mean '{}'?)", *m);
        msg += names.empty() ? "; expected no lights (none are defined)"
                             : "; expected one of: " + join_names(names);
        c.add(idx(p + ".on", j), msg);
      }
    }
    if (preset.settle_ms < 0) {
      c.add(p + ".settle_ms",
            fmt::format("{} must not be negative; expected 0 or more milliseconds",
                        preset.settle_ms));
    } else {
      c.int_range(p + ".settle_ms", preset.settle_ms, 0, kMaxMs, " ms");
    }
  }
}

void check_buttons(Checker& c, const Buttons& b) {
  c.one_of("buttons.backend", b.backend, {"sim", "gpiod", "none"});
  std::set<std::string> seen;
  c.max_items("buttons.buttons", b.buttons.size(), kMaxNamed);
  for (size_t i = 0; i < b.buttons.size() && i <= kMaxNamed; ++i) {
    const auto p = idx("buttons.buttons", i);
    const auto& button = b.buttons[i];
    c.non_empty(p + ".name", button.name, "a button name");
    if (!button.name.empty() && !seen.insert(button.name).second) {
      c.add(p + ".name",
            fmt::format("duplicate button name '{}'; expected unique names", button.name));
    }
    c.one_of(p + ".action", button.action, {"trigger", "abort", "next_ring"});
    c.non_negative(p + ".debounce_ms", button.debounce_ms);
    if (button.debounce_ms >= 0)
      c.int_range(p + ".debounce_ms", button.debounce_ms, 0, 10000, " ms");
    if (button.line < -1 || button.line > 1023)
      c.int_range(p + ".line", button.line, -1, 1023, " (gpiod line offset, -1: none)");
    if (b.backend == "gpiod") c.gpio(p, button.chip, button.line);
  }
  c.max_items("buttons.sim_press_at_s", b.sim_press_at_s.size(), kMaxListItems);
  for (size_t i = 0; i < b.sim_press_at_s.size() && i < kMaxListItems; ++i) {
    c.in_range(idx("buttons.sim_press_at_s", i), b.sim_press_at_s[i], 0, 86400, " seconds");
  }
}

void check_sensors(Checker& c, const Gps& g, const Ambient& a) {
  c.one_of("gps.backend", g.backend, {"sim", "gpsd", "none"});
  if (g.backend == "gpsd") c.non_empty("gps.gpsd_host", g.gpsd_host, "a host name");
  if (g.gpsd_port < 1 || g.gpsd_port > 65535) {
    c.add("gps.gpsd_port", fmt::format("{} is out of range; expected 1..65535", g.gpsd_port));
  }
  c.positive("gps.max_fix_age_s", g.max_fix_age_s);
  if (g.max_fix_age_s > 0) c.in_range("gps.max_fix_age_s", g.max_fix_age_s, 0, 3600, " seconds");
  c.in_range("gps.sim.lat_deg", g.sim.lat_deg, -90, 90);
  c.in_range("gps.sim.lon_deg", g.sim.lon_deg, -180, 180);
  c.in_range("gps.sim.alt_msl_m", g.sim.alt_msl_m, -1000, 20000, " m");
  c.in_range("gps.sim.speed_m_s", g.sim.speed_m_s, 0, 400, " m/s");
  c.positive("gps.sim.fix_period_s", g.sim.fix_period_s);
  if (g.sim.fix_period_s > 0)
    c.in_range("gps.sim.fix_period_s", g.sim.fix_period_s, 0.1, 86400, " seconds");
  c.non_negative("gps.sim.nofix_s", g.sim.nofix_s);
  if (g.sim.nofix_s > g.sim.fix_period_s) {
    c.add("gps.sim.nofix_s", fmt::format("{} s is longer than fix_period_s {} s; expected at most "
                                         "fix_period_s",
                                         g.sim.nofix_s, g.sim.fix_period_s));
  }

  c.one_of("ambient.backend", a.backend, {"sim", "iio", "none"});
  if (a.backend == "iio") {
    c.non_empty("ambient.sysfs_root", a.sysfs_root, "a directory such as /sys");
    c.non_empty("ambient.device_name", a.device_name, "the sensor's `name` (bme280, sht4x, ...)");
  }
  c.positive("ambient.max_age_s", a.max_age_s);
  if (a.max_age_s > 0) c.in_range("ambient.max_age_s", a.max_age_s, 0, 3600, " seconds");
  if (a.period_ms <= 0) {
    c.add("ambient.period_ms",
          fmt::format("{} must be greater than 0; expected milliseconds", a.period_ms));
  } else {
    c.int_range("ambient.period_ms", a.period_ms, 10, kMaxMs, " ms");
  }
  c.in_range("ambient.sim.temperature_c", a.sim.temperature_c, -100, 150, " °C");
  c.in_range("ambient.sim.humidity_pct", a.sim.humidity_pct, 0, 100, " %RH");
  c.in_range("ambient.sim.pressure_hpa", a.sim.pressure_hpa, 100, 1200, " hPa");
  c.in_range("ambient.sim.drift_per_min", a.sim.drift_per_min, 0, 100, " per minute");
  c.in_range("ambient.sim.dropout_probability", a.sim.dropout_probability, 0, 1);
}

void check_storage(Checker& c, const Storage& s) {
  c.non_empty("storage.root", s.root, "a directory");
  c.non_empty("storage.name_template", s.name_template,
              "a file name template such as \"{session}_{seq:05}\"");
  if (s.reserve_mb > kMaxReserveMb) {
    c.add("storage.reserve_mb",
          fmt::format("{} is out of range; expected 0..{} (MB)", s.reserve_mb, kMaxReserveMb));
  }
  if (s.name_template.size() > 200) {
    c.add("storage.name_template",
          fmt::format("is {} bytes long; expected at most 200", s.name_template.size()));
  }
  if (s.previews.max_size <= 0) {
    c.add("storage.previews.max_size",
          fmt::format("{} must be greater than 0; expected pixels", s.previews.max_size));
  } else {
    c.int_range("storage.previews.max_size", s.previews.max_size, 16, 8192, " pixels");
  }
  if (s.previews.quality < 1 || s.previews.quality > 100) {
    c.add("storage.previews.quality",
          fmt::format("{} is out of range; expected 1..100", s.previews.quality));
  }
}

void check_session(Checker& c, const Config& cfg) {
  const auto& s = cfg.session;
  // The name becomes part of a directory name (and of file names through {session}).
  c.non_empty("session.name", s.name, "a session name");
  if (s.name.find('/') != std::string::npos || s.name.find('\\') != std::string::npos) {
    c.add("session.name", "contains '/' or '\\'; expected a name usable as a directory name");
  }
  if (s.name == "." || s.name.find("..") != std::string::npos) {
    c.add("session.name", "contains '..' or is '.'; expected a name usable as a directory name");
  }
  for (unsigned char ch : s.name) {
    if (ch < 0x20 || ch == 0x7f) {
      c.add("session.name",
            fmt::format("contains control character 0x{:02x}; expected printable text", ch));
      break;
    }
  }
  if (s.name.size() > kMaxSessionName) {
    c.add("session.name",
          fmt::format("is {} bytes long; expected at most {}", s.name.size(), kMaxSessionName));
  }
  // Invalid UTF-8 is reported for this and every other string by check_strings.
  c.one_of("session.mode", s.mode, {"orbit", "buttons", "single"});
  c.one_of("daemon.on_open_session", cfg.daemon.on_open_session, {"report", "resume"});
  if (s.max_brackets < 0) {
    c.add("session.max_brackets",
          fmt::format("{} must not be negative; expected 0 (until abort) or more", s.max_brackets));
  } else {
    c.int_range("session.max_brackets", s.max_brackets, 0, 100000, " presses");
  }
  if (s.mode == "orbit" && cfg.turntable.backend == "none" && cfg.orbit.enabled) {
    const bool single_position =
        cfg.orbit.rings.size() == 1 && cfg.orbit.rings[0].positions == std::optional<int>(1);
    if (!single_position) {
      c.add("turntable.backend",
            "'none' cannot turn the subject for session.mode 'orbit'; expected a turntable "
            "backend (sim), or a single ring with positions: 1, or orbit.enabled: false");
    }
  }
  if (s.mode == "buttons" && cfg.buttons.backend == "none") {
    c.add("buttons.backend",
          "'none' gives no trigger for session.mode 'buttons'; expected sim or gpiod");
  }
}

// Every string of the config, wherever it sits: text from YAML goes into directory names,
// JSON and XMP, where a stray byte is fatal or silently drops a sidecar.
void check_strings(Checker& c, const std::string& path, const std::string& v) {
  // File paths are bytes to Linux, and they are resolved against the config's own folder, which
  // may be any byte string: a Latin-1 folder name must not make a config unusable. What is
  // written from them (journal, session.yaml) replaces invalid bytes instead.
  if (path == "storage.root" || path.rfind("metadata.releases", 0) == 0) return;
  if (const size_t at = first_invalid_utf8(v); at != std::string_view::npos)
    c.add(path, fmt::format("is not valid UTF-8 at byte {}; expected UTF-8 text", at));
}
void check_strings(Checker& c, const std::string& path, const std::vector<std::string>& v) {
  for (size_t i = 0; i < v.size() && i < kMaxListItems; ++i) check_strings(c, idx(path, i), v[i]);
}
template <class T>
void check_strings(Checker&, const std::string&, const T&) {}
template <class T>
requires schema::is_record<T>
void check_strings(Checker& c, const std::string& path, const T& rec);
template <class T>
requires schema::is_record<T>
void check_strings(Checker& c, const std::string& path, const std::vector<T>& v) {
  for (size_t i = 0; i < v.size() && i < kMaxListItems; ++i) check_strings(c, idx(path, i), v[i]);
}
template <class T>
requires schema::is_record<T>
void check_strings(Checker& c, const std::string& path, const T& rec) {
  // for_each_field walks mutable records; this only reads.
  auto& r = const_cast<T&>(rec);
  schema::for_each_field(r, [&](const char* key, const auto& field) {
    check_strings(c, path.empty() ? std::string(key) : path + "." + key, field);
  });
}

}  // namespace

size_t first_invalid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    size_t len = 0;
    uint32_t cp = 0;
    if (b < 0x80) {
      ++i;
      continue;
    } else if (b >= 0xC2 && b <= 0xDF) {
      len = 2;
      cp = b & 0x1F;
    } else if (b >= 0xE0 && b <= 0xEF) {
      len = 3;
      cp = b & 0x0F;
    } else if (b >= 0xF0 && b <= 0xF4) {
      len = 4;
      cp = b & 0x07;
    } else {
      return i;
    }
    if (i + len > s.size()) return i;
    for (size_t k = 1; k < len; ++k) {
      const auto cb = static_cast<unsigned char>(s[i + k]);
      if ((cb & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (cb & 0x3F);
    }
    const bool overlong = (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
    if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += len;
  }
  return std::string_view::npos;
}

// COCO category names (delivery, issue 13): a dataset reader keys annotations by them, so an
// empty or repeated name would make two categories one.
static void check_categories(Checker& c, const std::vector<std::string>& cats) {
  c.max_items("metadata.categories", cats.size(), kMaxNamed);
  for (size_t i = 0; i < cats.size() && i <= kMaxNamed; ++i) {
    if (cats[i].empty()) c.add(idx("metadata.categories", i), "is empty; expected a category name");
    for (size_t k = 0; k < i; ++k)
      if (!cats[i].empty() && cats[k] == cats[i])
        c.add(idx("metadata.categories", i),
              fmt::format("repeats '{}' (also item {}); expected distinct names", cats[i], k));
  }
}

std::vector<Issue> collect_issues(const Config& cfg) {
  Checker c;
  check_strings(c, "", cfg);
  c.one_of("board", cfg.board, {"sim", "rpi4", "rpi5"});
  c.one_of("log_level", cfg.log_level,
           {"trace", "debug", "info", "warn", "error", "critical", "off"});
  check_session(c, cfg);
  check_camera(c, cfg.camera);
  check_orbit(c, cfg);
  check_lighting(c, cfg.lighting);
  if (cfg.brackets.ev.empty()) {
    c.add("brackets.ev", "is empty; expected at least one EV offset, e.g. [0]");
  }
  c.max_items("brackets.ev", cfg.brackets.ev.size(), kMaxNamed);
  for (size_t i = 0; i < cfg.brackets.ev.size() && i <= kMaxNamed; ++i) {
    c.in_range(idx("brackets.ev", i), cfg.brackets.ev[i], -5, 5, " EV");
  }
  check_buttons(c, cfg.buttons);
  check_sensors(c, cfg.gps, cfg.ambient);
  check_storage(c, cfg.storage);
  check_quality(c, cfg.quality);
  c.in_range("exposure.target_median", cfg.exposure.target_median, 0.01, 0.9, " (fraction)");
  c.in_range("exposure.max_adjust_ev", cfg.exposure.max_adjust_ev, 0, 10, " EV");
  check_delivery(c, cfg.sync, cfg.delivery);
  check_categories(c, cfg.metadata.categories);
  return std::move(c.issues);
}

std::string join_issues(const std::vector<std::string>& lines, size_t limit) {
  std::string out;
  for (size_t i = 0; i < lines.size() && i < limit; ++i) {
    if (i) out += '\n';
    out += lines[i];
  }
  if (lines.size() > limit) out += fmt::format("\n... and {} more", lines.size() - limit);
  return out;
}

}  // namespace detail

Status validate(const Config& cfg) {
  const auto issues = detail::collect_issues(cfg);
  if (issues.empty()) return ok_status();
  std::vector<std::string> lines;
  for (const auto& i : issues) lines.push_back(i.path + ": " + i.message);
  return Error{Errc::invalid, detail::join_issues(lines)};
}

}  // namespace tb::config
