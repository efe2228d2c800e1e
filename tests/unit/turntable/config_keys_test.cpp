// The turntable.gcode / turntable.stepdir keys: loaded, mapped to the driver options, and
// refused at their file:line:col when out of range.
#include <gtest/gtest.h>

#include "tetherbox/config/load.hpp"
#include "tetherbox/hal/turntable/from_config.hpp"

namespace tb::hal::turntable {
namespace {

const std::string kHead = "camera:\n  backend: sim\nturntable:\n";  // lines 1-3

std::string error_of(const std::string& yaml) {
  auto c = config::load_string(yaml, "t.yaml");
  return c ? std::string("(loaded)") : c.error().message;
}

bool has(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

TEST(TurntableConfig, GcodeKeysReachTheDriverOptions) {
  auto c = config::load_string(kHead +
                                   "  backend: gcode\n  settle_ms: 150\n  gcode:\n"
                                   "    port: /dev/ttyACM0\n    baud: 250000\n",
                               "t.yaml");
  ASSERT_FALSE(c);  // 250000 is Marlin's favourite but not a termios speed
  EXPECT_TRUE(has(c.error().message, "t.yaml:8:11: turntable.gcode.baud")) << c.error().message;

  auto ok = config::load_string(kHead +
                                    "  backend: gcode\n  settle_ms: 150\n  gcode:\n"
                                    "    port: /dev/ttyACM0\n    baud: 57600\n"
                                    "    dialect: marlin\n    axis: E\n    units_per_rev: 3200\n"
                                    "    gear_ratio: 3\n    feed: 900\n    timeout_ms: 750\n"
                                    "    home_on_start: true\n",
                                "t.yaml");
  ASSERT_TRUE(ok) << ok.error().message;
  auto o = gcode_options(ok->turntable);
  EXPECT_EQ(o.port, "/dev/ttyACM0");
  EXPECT_EQ(o.baud, 57600);
  EXPECT_EQ(o.dialect, "marlin");
  EXPECT_EQ(o.axis, 'E');
  EXPECT_DOUBLE_EQ(o.units_per_rev, 3200);
  EXPECT_DOUBLE_EQ(o.gear_ratio, 3);
  EXPECT_DOUBLE_EQ(o.feed, 900);
  EXPECT_EQ(o.timeout_ms, 750);
  EXPECT_EQ(o.settle_ms, 150);
  EXPECT_TRUE(o.home_on_start);
}

TEST(TurntableConfig, OutOfRangeValuesAreRefusedWhereTheyAre) {
  const auto feed = error_of(kHead + "  backend: gcode\n  gcode: {port: /dev/ttyUSB0, feed: 0}\n");
  EXPECT_TRUE(has(feed, "t.yaml:5:37: turntable.gcode.feed: 0 is out of range")) << feed;
  EXPECT_TRUE(has(error_of(kHead + "  gcode: {dialect: smoothie}\n"),
                  "turntable.gcode.dialect: 'smoothie' is not allowed"));
  EXPECT_TRUE(has(error_of(kHead + "  gcode: {timeout_ms: 5}\n"),
                  "turntable.gcode.timeout_ms: 5 is out of range"));
  EXPECT_TRUE(has(error_of(kHead + "  stepdir: {microsteps: 3}\n"),
                  "turntable.stepdir.microsteps: '3' is not allowed"));
  EXPECT_TRUE(has(error_of(kHead + "  stepdir: {accel_deg_s2: 0}\n"),
                  "turntable.stepdir.accel_deg_s2: 0 is out of range"));
  EXPECT_TRUE(has(error_of(kHead + "  stepdir: {home_line: -2}\n"),
                  "turntable.stepdir.home_line: -2 is out of range"));
  // Chosen but unwired: the lines a step/dir driver cannot do without.
  auto e = error_of(kHead + "  backend: stepdir\n");
  if (!has(e, "is not built into this tetherbox")) {
    EXPECT_TRUE(has(e, "turntable.stepdir.chip: is empty")) << e;
    EXPECT_TRUE(has(e, "turntable.stepdir.step_line: -1 is not a line offset")) << e;
  }
}

}  // namespace
}  // namespace tb::hal::turntable
