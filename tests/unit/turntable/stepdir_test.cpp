// Step/dir logic against a fake output that records every pin change and pulse time.
#include <gtest/gtest.h>

#include <functional>

#include "tetherbox/hal/turntable/from_config.hpp"
#include "tetherbox/hal/turntable/stepdir_turntable.hpp"

namespace tb::hal::turntable {
namespace {

struct Record {
  std::vector<std::string> events;  // enable/dir/begin/settle in order
  std::vector<double> steps;        // pulse times of the last move
  int64_t position = 0;             // signed pulses counted by direction
  bool forward = true;
};

class FakeStepOutput final : public StepOutput {
 public:
  FakeStepOutput(Record& r, std::function<bool(int64_t)> switch_at)
      : r_(r), sw_(std::move(switch_at)) {}
  Status enable(bool on) override {
    r_.events.push_back(on ? "enable" : "disable");
    return ok_status();
  }
  Status set_direction(bool forward) override {
    r_.forward = forward;
    r_.events.push_back(forward ? "dir+" : "dir-");
    return ok_status();
  }
  void begin_move() override {
    r_.events.push_back("begin");
    r_.steps.clear();
  }
  Status step_at(double t) override {
    r_.steps.push_back(t);
    r_.position += r_.forward ? 1 : -1;
    return ok_status();
  }
  Result<bool> home_switch() override { return sw_(r_.position); }
  void settle(int ms) override { r_.events.push_back("settle " + std::to_string(ms)); }
  std::string describe() const override { return "fake gpiochip step 5 dir 6"; }

 private:
  Record& r_;
  std::function<bool(int64_t)> sw_;
};

StepdirOptions opts() {
  StepdirOptions o;
  o.steps_per_rev = 200;
  o.microsteps = 8;
  o.gear_ratio = 4.5;  // 7200 pulses per turntable turn: 20 per degree
  o.max_speed_deg_s = 30.0;
  o.accel_deg_s2 = 60.0;
  o.settle_ms = 150;
  return o;
}

TEST(StepdirTurntable, StepsPerDegreeFromMotorMicrostepsAndGear) {
  EXPECT_DOUBLE_EQ(steps_per_degree(opts()), 20.0);
}

TEST(StepdirTurntable, MoveEmitsTheRampedStepsAndSettles) {
  Record r;
  auto t = make_stepdir_turntable(
      opts(), std::make_unique<FakeStepOutput>(r, [](int64_t) { return false; }));
  ASSERT_TRUE(t->home());
  ASSERT_TRUE(t->move_to({90.0, 0.0}));
  EXPECT_EQ(r.position, 1800);
  ASSERT_EQ(r.steps.size(), 1800u);
  for (size_t i = 1; i < r.steps.size(); ++i)
    ASSERT_GE(r.steps[i] - r.steps[i - 1], 1.0 / (30.0 * 20.0) - 1e-9);
  EXPECT_EQ(r.events, (std::vector<std::string>{"enable", "dir+", "begin", "settle 150"}));
  EXPECT_DOUBLE_EQ(t->position().azimuth_deg, 90.0);
  // 90 -> 300: the short way is back 150 degrees.
  ASSERT_TRUE(t->move_to({300.0, 0.0}));
  EXPECT_EQ(r.position, -1200);
  EXPECT_EQ(r.events.at(4), "dir-");
}

TEST(StepdirTurntable, FullOrbitDoesNotDrift) {
  Record r;
  auto o = opts();
  o.microsteps = 16;
  o.gear_ratio = 3.7;  // 32.89 pulses per degree: every target rounds
  auto t =
      make_stepdir_turntable(o, std::make_unique<FakeStepOutput>(r, [](int64_t) { return false; }));
  ASSERT_TRUE(t->home());
  for (int i = 1; i <= 36; ++i) ASSERT_TRUE(t->move_to({10.0 * i, 0.0}));
  // 36 moves of 10 degrees end back at 0, which is 360 on: exactly one turn of pulses.
  EXPECT_EQ(r.position, 11840);
}

TEST(StepdirTurntable, HomingSearchesBacksOffAndZeroes) {
  Record r;
  auto o = opts();
  o.home_on_start = true;
  o.home_forward = false;
  o.home_backoff_deg = 2.0;
  // The switch is closed from -500 to -520 pulses (25..26 degrees back).
  auto t = make_stepdir_turntable(
      o, std::make_unique<FakeStepOutput>(r, [](int64_t p) { return p <= -500 && p >= -520; }));
  ASSERT_TRUE(t->home());
  // Found at -500, released one pulse forward (-499), then 40 pulses (2 degrees) further.
  EXPECT_EQ(r.position, -459);
  EXPECT_EQ(r.events,
            (std::vector<std::string>{"enable", "dir-", "begin", "dir+", "begin", "settle 150"}));
  ASSERT_TRUE(t->move_to({1.0, 0.0}));
  EXPECT_EQ(r.position, -439);
}

TEST(StepdirTurntable, HomingSwitchNeverSeenIsAnError) {
  Record r;
  auto o = opts();
  o.home_on_start = true;
  o.home_search_deg = 90.0;
  auto t =
      make_stepdir_turntable(o, std::make_unique<FakeStepOutput>(r, [](int64_t) { return false; }));
  auto s = t->home();
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("homing switch never seen within 90 degrees"), std::string::npos)
      << s.error().message;
  EXPECT_NE(s.error().message.find("fake gpiochip"), std::string::npos);
  EXPECT_EQ(r.position, -1800);  // searched exactly the configured arc
  EXPECT_FALSE(t->move_to({10.0, 0.0}));
}

TEST(StepdirTurntable, SwitchStuckClosedIsAnError) {
  Record r;
  auto o = opts();
  o.home_on_start = true;
  o.home_search_deg = 10.0;
  auto t =
      make_stepdir_turntable(o, std::make_unique<FakeStepOutput>(r, [](int64_t) { return true; }));
  auto s = t->home();
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("stays closed"), std::string::npos) << s.error().message;
}

TEST(StepdirTurntable, OptionsFromConfig) {
  config::Turntable t;
  t.settle_ms = 120;
  t.stepdir.steps_per_rev = 400;
  t.stepdir.microsteps = 32;
  t.stepdir.gear_ratio = 4.5;
  t.stepdir.max_speed_deg_s = 22.5;
  t.stepdir.accel_deg_s2 = 90;
  auto o = stepdir_options(t);
  EXPECT_DOUBLE_EQ(steps_per_degree(o), 400.0 * 32 * 4.5 / 360.0);
  EXPECT_DOUBLE_EQ(o.max_speed_deg_s, 22.5);
  EXPECT_EQ(o.settle_ms, 120);
  EXPECT_FALSE(o.home_on_start);  // no switch wired: the start position is 0
  t.stepdir.home_line = 26;
  EXPECT_TRUE(stepdir_options(t).home_on_start);
}

#ifdef TB_HAVE_TURNTABLE_GPIOD
// This machine has no gpio-sim: the real libgpiod path is exercised as far as a missing chip.
TEST(GpiodStepOutput, MissingChipNamesIt) {
  GpiodStepPins pins;
  pins.chip = "tetherbox-no-such-chip";
  pins.step_line = 20;
  pins.dir_line = 21;
  auto out = make_gpiod_step_output(pins);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, Errc::not_found);
  EXPECT_NE(out.error().message.find("tetherbox-no-such-chip"), std::string::npos)
      << out.error().message;
}
#endif

}  // namespace
}  // namespace tb::hal::turntable
