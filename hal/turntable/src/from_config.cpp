#include "tetherbox/hal/turntable/from_config.hpp"

namespace tb::hal::turntable {

GcodeOptions gcode_options(const config::Turntable& t) {
  GcodeOptions o;
  o.port = t.gcode.port;
  o.baud = t.gcode.baud;
  o.dialect = t.gcode.dialect;
  o.axis = t.gcode.axis.empty() ? 'X' : t.gcode.axis[0];
  o.units_per_rev = t.gcode.units_per_rev;
  o.gear_ratio = t.gcode.gear_ratio;
  o.feed = t.gcode.feed;
  o.timeout_ms = t.gcode.timeout_ms;
  o.settle_ms = t.settle_ms;
  o.home_on_start = t.gcode.home_on_start;
  o.step_deg = t.step_deg;
  return o;
}

StepdirOptions stepdir_options(const config::Turntable& t) {
  StepdirOptions o;
  o.steps_per_rev = t.stepdir.steps_per_rev;
  o.microsteps = t.stepdir.microsteps;
  o.gear_ratio = t.stepdir.gear_ratio;
  o.max_speed_deg_s = t.stepdir.max_speed_deg_s;
  o.accel_deg_s2 = t.stepdir.accel_deg_s2;
  o.settle_ms = t.settle_ms;
  o.home_on_start = t.stepdir.home_line >= 0;
  return o;
}

Result<std::unique_ptr<Turntable>> make_gcode_turntable(const config::Config& cfg) {
  return make_gcode_turntable(gcode_options(cfg.turntable));
}

#ifdef TB_HAVE_TURNTABLE_GPIOD
Result<std::unique_ptr<Turntable>> make_stepdir_turntable(const config::Config& cfg) {
  const auto& s = cfg.turntable.stepdir;
  GpiodStepPins pins;
  pins.chip = s.chip;
  pins.step_line = s.step_line;
  pins.dir_line = s.dir_line;
  pins.enable_line = s.enable_line;
  pins.home_line = s.home_line;
  auto out = make_gpiod_step_output(pins);
  if (!out) return out.error();
  return make_stepdir_turntable(stepdir_options(cfg.turntable), std::move(*out));
}
#endif

}  // namespace tb::hal::turntable
