// Range, enum and cross-field checks. They run on every config, loaded or built in code, so
// the rules live here once; the YAML reader only checks structure and types and then places
// these issues at the file:line:col of the key they name.
#include <cmath>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "issues.hpp"
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

std::string idx(const std::string& base, size_t i) {
  return fmt::format("{}[{}]", base, i);
}

void check_camera(Checker& c, const Camera& cam) {
  c.one_of("camera.backend", cam.backend, {"sim", "gphoto2", "libcamera"});
  c.one_of("camera.format", cam.format, {"raw", "jpeg", "raw+jpeg"});
  c.one_of("camera.capture_target", cam.capture_target, {"card", "ram"});
  if (auto s = parse_shutter(cam.exposure.shutter); !s) {
    c.add("camera.exposure.shutter", s.error().message);
  } else if (std::abs(*s - cam.exposure.shutter_s) > 1e-9 * std::max(1.0, *s)) {
    c.add("camera.exposure.shutter_s",
          fmt::format("{} s disagrees with shutter '{}' ({} s); expected shutter_s set from "
                      "shutter (parse_shutter)",
                      cam.exposure.shutter_s, cam.exposure.shutter, *s));
  }
  c.positive("camera.exposure.aperture", cam.exposure.aperture, " f-number");
  if (cam.exposure.iso <= 0) {
    c.add("camera.exposure.iso",
          fmt::format("{} must be greater than 0; expected an ISO such as 100", cam.exposure.iso));
  }
  c.positive("camera.verify_tolerance_ev", cam.verify_tolerance_ev, " in stops");
  c.non_negative("camera.verify_retries", cam.verify_retries);
  const auto& sim = cam.sim;
  if (sim.width <= 0)
    c.add("camera.sim.width", fmt::format("{} must be greater than 0; expected pixels", sim.width));
  if (sim.height <= 0)
    c.add("camera.sim.height",
          fmt::format("{} must be greater than 0; expected pixels", sim.height));
  c.in_range("camera.sim.faults.busy_probability", sim.faults.busy_probability, 0, 1);
  for (size_t i = 0; i < sim.faults.disconnect_at.size(); ++i) {
    c.non_negative(idx("camera.sim.faults.disconnect_at", i), sim.faults.disconnect_at[i],
                   " (0-based capture index)");
  }
  for (size_t i = 0; i < sim.faults.wrong_exposure_at.size(); ++i) {
    c.non_negative(idx("camera.sim.faults.wrong_exposure_at", i), sim.faults.wrong_exposure_at[i],
                   " (0-based capture index)");
  }
  if (sim.faults.disconnect_captures < 1) {
    c.add("camera.sim.faults.disconnect_captures",
          fmt::format("{} must be at least 1; expected a count of failing calls",
                      sim.faults.disconnect_captures));
  }
  c.non_negative("camera.sim.faults.slow_download_ms", sim.faults.slow_download_ms);
}

void check_orbit(Checker& c, const Config& cfg) {
  const auto& lens = cfg.lens;
  c.positive("lens.focal_length_mm", lens.focal_length_mm);
  c.positive("lens.sensor_width_mm", lens.sensor_width_mm);
  c.positive("lens.sensor_height_mm", lens.sensor_height_mm);

  const auto& o = cfg.orbit;
  c.positive("orbit.subject_distance_m", o.subject_distance_m);
  c.non_negative("orbit.subject_radius_m", o.subject_radius_m);
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
  c.finite("orbit.start_azimuth_deg", o.start_azimuth_deg);
  if (o.enabled && o.rings.empty()) {
    c.add("orbit.rings", "is empty; expected at least one ring when orbit.enabled is true");
  }
  for (size_t i = 0; i < o.rings.size(); ++i) {
    const auto p = idx("orbit.rings", i);
    c.in_range(p + ".elevation_deg", o.rings[i].elevation_deg, -90, 90, " degrees");
    if (o.rings[i].positions && *o.rings[i].positions < 1) {
      c.add(p + ".positions",
            fmt::format("{} positions; expected at least 1 (or leave it out to compute it from "
                        "orbit.target_overlap)",
                        *o.rings[i].positions));
    }
  }

  const auto& t = cfg.turntable;
  c.one_of("turntable.backend", t.backend, {"sim", "none"});
  c.positive("turntable.speed_deg_s", t.speed_deg_s);
  if (t.settle_ms < 0) {
    c.add("turntable.settle_ms",
          fmt::format("{} must not be negative; expected 0 or more milliseconds", t.settle_ms));
  }
  c.positive("turntable.step_deg", t.step_deg);
}

void check_lighting(Checker& c, const Lighting& l) {
  c.one_of("lighting.backend", l.backend, {"sim", "gpiod", "none"});
  std::vector<std::string> names;
  std::set<std::string> seen;
  for (size_t i = 0; i < l.lights.size(); ++i) {
    const auto p = idx("lighting.lights", i);
    const auto& light = l.lights[i];
    c.non_empty(p + ".name", light.name, "a light name");
    if (!light.name.empty() && !seen.insert(light.name).second) {
      c.add(p + ".name",
            fmt::format("duplicate light name '{}'; expected unique names", light.name));
    }
    names.push_back(light.name);
    c.positive(p + ".colour_temp_k", light.colour_temp_k, " kelvin");
    c.finite(p + ".azimuth_deg", light.azimuth_deg);
    c.in_range(p + ".elevation_deg", light.elevation_deg, -90, 90, " degrees");
    c.non_negative(p + ".intensity", light.intensity);
    if (l.backend == "gpiod") c.gpio(p, light.chip, light.line);
  }
  std::set<std::string> preset_names;
  for (size_t i = 0; i < l.presets.size(); ++i) {
    const auto p = idx("lighting.presets", i);
    const auto& preset = l.presets[i];
    c.non_empty(p + ".name", preset.name, "a preset name");
    if (!preset.name.empty() && !preset_names.insert(preset.name).second) {
      c.add(p + ".name",
            fmt::format("duplicate preset name '{}'; expected unique names", preset.name));
    }
    for (size_t j = 0; j < preset.on.size(); ++j) {
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
    }
  }
}

void check_buttons(Checker& c, const Buttons& b) {
  c.one_of("buttons.backend", b.backend, {"sim", "gpiod", "none"});
  std::set<std::string> seen;
  for (size_t i = 0; i < b.buttons.size(); ++i) {
    const auto p = idx("buttons.buttons", i);
    const auto& button = b.buttons[i];
    c.non_empty(p + ".name", button.name, "a button name");
    if (!button.name.empty() && !seen.insert(button.name).second) {
      c.add(p + ".name",
            fmt::format("duplicate button name '{}'; expected unique names", button.name));
    }
    c.one_of(p + ".action", button.action, {"trigger", "abort", "next_ring"});
    c.non_negative(p + ".debounce_ms", button.debounce_ms);
    if (b.backend == "gpiod") c.gpio(p, button.chip, button.line);
  }
  for (size_t i = 0; i < b.sim_press_at_s.size(); ++i) {
    c.non_negative(idx("buttons.sim_press_at_s", i), b.sim_press_at_s[i], " seconds");
  }
}

void check_sensors(Checker& c, const Gps& g, const Ambient& a) {
  c.one_of("gps.backend", g.backend, {"sim", "gpsd", "none"});
  if (g.backend == "gpsd") c.non_empty("gps.gpsd_host", g.gpsd_host, "a host name");
  if (g.gpsd_port < 1 || g.gpsd_port > 65535) {
    c.add("gps.gpsd_port", fmt::format("{} is out of range; expected 1..65535", g.gpsd_port));
  }
  c.positive("gps.max_fix_age_s", g.max_fix_age_s);
  c.in_range("gps.sim.lat_deg", g.sim.lat_deg, -90, 90);
  c.in_range("gps.sim.lon_deg", g.sim.lon_deg, -180, 180);
  c.finite("gps.sim.alt_msl_m", g.sim.alt_msl_m);
  c.non_negative("gps.sim.speed_m_s", g.sim.speed_m_s);
  c.positive("gps.sim.fix_period_s", g.sim.fix_period_s);
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
  if (a.period_ms <= 0) {
    c.add("ambient.period_ms",
          fmt::format("{} must be greater than 0; expected milliseconds", a.period_ms));
  }
  c.finite("ambient.sim.temperature_c", a.sim.temperature_c);
  c.in_range("ambient.sim.humidity_pct", a.sim.humidity_pct, 0, 100, " %RH");
  c.positive("ambient.sim.pressure_hpa", a.sim.pressure_hpa);
  c.non_negative("ambient.sim.drift_per_min", a.sim.drift_per_min);
  c.in_range("ambient.sim.dropout_probability", a.sim.dropout_probability, 0, 1);
}

void check_storage(Checker& c, const Storage& s) {
  c.non_empty("storage.root", s.root, "a directory");
  c.non_empty("storage.name_template", s.name_template,
              "a file name template such as \"{session}_{seq:05}\"");
  if (s.previews.max_size <= 0) {
    c.add("storage.previews.max_size",
          fmt::format("{} must be greater than 0; expected pixels", s.previews.max_size));
  }
  if (s.previews.quality < 1 || s.previews.quality > 100) {
    c.add("storage.previews.quality",
          fmt::format("{} is out of range; expected 1..100", s.previews.quality));
  }
}

void check_session(Checker& c, const Config& cfg) {
  const auto& s = cfg.session;
  c.non_empty("session.name", s.name, "a session name");
  if (s.name.find('/') != std::string::npos) {
    c.add("session.name", fmt::format("'{}' contains '/'; expected a name usable in a directory "
                                      "name",
                                      s.name));
  }
  c.one_of("session.mode", s.mode, {"orbit", "buttons", "single"});
  if (s.max_brackets < 0) {
    c.add("session.max_brackets",
          fmt::format("{} must not be negative; expected 0 (until abort) or more", s.max_brackets));
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

}  // namespace

std::vector<Issue> collect_issues(const Config& cfg) {
  Checker c;
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
  for (size_t i = 0; i < cfg.brackets.ev.size(); ++i) {
    c.in_range(idx("brackets.ev", i), cfg.brackets.ev[i], -5, 5, " EV");
  }
  check_buttons(c, cfg.buttons);
  check_sensors(c, cfg.gps, cfg.ambient);
  check_storage(c, cfg.storage);
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
