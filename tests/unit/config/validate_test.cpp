// Cross-field checks on configs built in code: no file position, the key path leads.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_util.hpp"

namespace tb::config::test {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string invalid(const Config& cfg) {
  auto s = validate(cfg);
  EXPECT_FALSE(s.ok());
  if (s.ok()) return {};
  EXPECT_EQ(s.error().code, Errc::invalid);
  return s.error().message;
}

Light light(const std::string& name) {
  Light l;
  l.name = name;
  return l;
}

Config lit() {
  Config c;
  c.lighting.lights = {light("key"), light("fill")};
  c.lighting.presets = {LightingPreset{.name = "key", .on = {"key"}},
                        LightingPreset{.name = "both", .on = {"key", "fill"}}};
  return c;
}

TEST(ConfigValidate, DefaultsAndALitRigAreValid) {
  EXPECT_TRUE(validate(Config{}).ok());
  auto s = validate(lit());
  EXPECT_TRUE(s.ok()) << s.error().message;
}

TEST(ConfigValidate, PresetMustNameExistingLights) {
  auto c = lit();
  c.lighting.presets[1].on[1] = "flash";
  EXPECT_THAT(invalid(c), StartsWith("lighting.presets[1].on[1]: light 'flash' is not defined in "
                                     "lighting.lights; expected one of: key, fill"));
}

TEST(ConfigValidate, DuplicateLightAndPresetNames) {
  auto c = lit();
  c.lighting.lights[1].name = "key";
  c.lighting.presets[1].name = "key";
  const auto msg = invalid(c);
  EXPECT_THAT(msg, HasSubstr("lighting.lights[1].name: duplicate light name 'key'"));
  EXPECT_THAT(msg, HasSubstr("lighting.presets[1].name: duplicate preset name 'key'"));
}

TEST(ConfigValidate, OverlapRange) {
  Config c;
  c.orbit.target_overlap = 0.59;
  EXPECT_THAT(invalid(c),
              StartsWith("orbit.target_overlap: 0.59 is out of range; expected 0.6..0.9"));
  c.orbit.target_overlap = 0.91;
  EXPECT_THAT(invalid(c), StartsWith("orbit.target_overlap: 0.91 is out of range"));
}

TEST(ConfigValidate, MaxViewAngleRange) {
  Config c;
  EXPECT_DOUBLE_EQ(c.orbit.max_view_angle_deg, 60);
  c.orbit.max_view_angle_deg = 9.5;
  EXPECT_THAT(invalid(c),
              StartsWith("orbit.max_view_angle_deg: 9.5 is out of range; expected 10..120"));
  c.orbit.max_view_angle_deg = 121;
  EXPECT_THAT(invalid(c), StartsWith("orbit.max_view_angle_deg: 121 is out of range"));
  for (double ok : {10.0, 120.0}) {
    c.orbit.max_view_angle_deg = ok;
    EXPECT_TRUE(validate(c).ok()) << ok;
  }
}

TEST(ConfigValidate, RingPositionsAtLeastOne) {
  Config c;
  c.orbit.rings = {Ring{0, 12}, Ring{30, 0}};
  EXPECT_THAT(invalid(c), StartsWith("orbit.rings[1].positions: 0 positions; expected at least 1"));
}

TEST(ConfigValidate, EnabledOrbitNeedsARing) {
  Config c;
  c.orbit.rings.clear();
  EXPECT_THAT(invalid(c), StartsWith("orbit.rings: is empty; expected at least one ring"));
  c.orbit.enabled = false;
  c.session.mode = "single";
  EXPECT_TRUE(validate(c).ok());
}

TEST(ConfigValidate, SubjectRadiusBelowDistance) {
  Config c;
  c.orbit.subject_radius_m = 1.0;
  c.orbit.subject_distance_m = 1.0;
  EXPECT_THAT(invalid(c), StartsWith("orbit.subject_radius_m: 1 m reaches the camera at "
                                     "subject_distance_m 1 m; expected a radius smaller"));
}

TEST(ConfigValidate, Brackets) {
  Config c;
  c.brackets.ev.clear();
  EXPECT_THAT(invalid(c), StartsWith("brackets.ev: is empty; expected at least one EV offset"));
  c.brackets.ev = {-5, 0, 5};
  EXPECT_TRUE(validate(c).ok());
  c.brackets.ev = {-1, 0, 5.5};
  EXPECT_THAT(invalid(c), StartsWith("brackets.ev[2]: 5.5 is out of range; expected -5..5 EV"));
}

TEST(ConfigValidate, NameTemplateNonEmpty) {
  Config c;
  c.storage.name_template.clear();
  EXPECT_THAT(invalid(c),
              StartsWith("storage.name_template: is empty; expected a file name template"));
}

TEST(ConfigValidate, OrbitModeNeedsATurntableUnlessOnePosition) {
  Config c;
  c.turntable.backend = "none";
  EXPECT_THAT(invalid(c), StartsWith("turntable.backend: 'none' cannot turn the subject for "
                                     "session.mode 'orbit'"));
  c.orbit.rings = {Ring{10, 1}};
  EXPECT_TRUE(validate(c).ok());
  c.orbit.rings = {Ring{10, 1}, Ring{20, 1}};  // two positions: someone must move something
  EXPECT_FALSE(validate(c).ok());
}

TEST(ConfigValidate, ButtonsModeNeedsButtons) {
  Config c;
  c.session.mode = "buttons";
  EXPECT_THAT(invalid(c), StartsWith("buttons.backend: 'none' gives no trigger for session.mode "
                                     "'buttons'; expected sim or gpiod"));
  c.buttons.backend = "sim";
  EXPECT_TRUE(validate(c).ok());
}

TEST(ConfigValidate, ShutterSecondsMustMatchShutterText) {
  Config c;
  c.camera.exposure.shutter = "1/60";  // shutter_s still 1/125
  EXPECT_THAT(invalid(c), StartsWith("camera.exposure.shutter_s: 0.008 s disagrees with shutter "
                                     "'1/60'"));
  c.camera.exposure.shutter_s = 1.0 / 60.0;
  EXPECT_TRUE(validate(c).ok());
}

TEST(ConfigValidate, GpiodLinesNeedChipAndLine) {
  auto c = lit();
  c.lighting.backend = "gpiod";
  const auto msg = invalid(c);
  EXPECT_THAT(msg, HasSubstr("lighting.lights[0].chip: is empty; expected a gpiod chip name"));
  EXPECT_THAT(msg, HasSubstr("lighting.lights[1].line: -1 is not a line offset"));
  for (auto& l : c.lighting.lights) {
    l.chip = "gpiochip0";
    l.line = 17;
  }
  EXPECT_TRUE(validate(c).ok());
}

TEST(ConfigValidate, EveryProblemIsListed) {
  Config c;
  c.camera.exposure.iso = 0;
  c.camera.sim.width = 0;
  c.board = "rpi3";
  const auto msg = invalid(c);
  EXPECT_THAT(msg, HasSubstr("board: 'rpi3' is not allowed"));
  EXPECT_THAT(msg, HasSubstr("camera.exposure.iso: 0 must be greater than 0"));
  EXPECT_THAT(msg, HasSubstr("camera.sim.width: 0 must be greater than 0"));
}

}  // namespace
}  // namespace tb::config::test
