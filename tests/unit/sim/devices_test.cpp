// The other sim devices: turntable timing, lights, buttons, GPS windows, ambient dropouts.
#include <gtest/gtest.h>

#include <cmath>
#include <thread>

#include "sim_test_support.hpp"
#include "tetherbox/hal/sim/sim.hpp"

namespace tb::hal::sim {
namespace {

using namespace std::chrono_literals;
using test::FakeClock;
using test::small_config;

TEST(SimTurntable, MovesTakeDistanceOverSpeedPlusSettle) {
  auto cfg = small_config();
  cfg.turntable.speed_deg_s = 60;
  cfg.turntable.settle_ms = 200;
  cfg.turntable.step_deg = 0.5;
  auto world = make_world();
  auto clock = std::make_shared<FakeClock>();
  auto tt = make_turntable(world, cfg, clock);
  EXPECT_TRUE(tt->info().moves_elevation);
  EXPECT_EQ(tt->info().backend, "sim");

  ASSERT_TRUE(tt->move_to({90.0, 0.0}).ok());
  EXPECT_NEAR(clock->slept_s(), 90.0 / 60.0 + 0.2, 1e-6);
  {
    std::lock_guard lock(world->mu);
    EXPECT_DOUBLE_EQ(world->pose.azimuth_deg, 90.0);
  }
  ASSERT_TRUE(tt->move_to({12.3, 30.1}).ok());  // snaps to the 0.5 degree step
  EXPECT_DOUBLE_EQ(tt->position().azimuth_deg, 12.5);
  EXPECT_DOUBLE_EQ(tt->position().elevation_deg, 30.0);

  const double before = clock->slept_s();
  ASSERT_TRUE(tt->move_to({352.0, 30.0}).ok());  // the short way: 20.5 degrees
  EXPECT_NEAR(clock->slept_s() - before, 20.5 / 60.0 + 0.2, 1e-6);
  ASSERT_TRUE(tt->move_to({370.0, 30.0}).ok());
  EXPECT_DOUBLE_EQ(tt->position().azimuth_deg, 10.0);

  ASSERT_TRUE(tt->home().ok());
  EXPECT_DOUBLE_EQ(tt->position().azimuth_deg, 0.0);
  EXPECT_DOUBLE_EQ(tt->position().elevation_deg, 0.0);
  auto bad = tt->move_to({0.0, 120.0});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::invalid);
}

TEST(SimLights, SwitchesNamedLightsAndRejectsUnknownOnes) {
  auto cfg = small_config();
  auto world = make_world();
  auto lights = make_lights(world, cfg);
  EXPECT_EQ(lights->names(), (std::vector<std::string>{"key", "warm", "cool", "rim"}));
  ASSERT_TRUE(lights->set_on({"key", "rim"}).ok());
  EXPECT_EQ(lights->current(), (std::set<std::string>{"key", "rim"}));
  {
    std::lock_guard lock(world->mu);
    EXPECT_EQ(world->lights_on, (std::set<std::string>{"key", "rim"}));
  }
  auto bad = lights->set_on({"key", "flash"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::invalid);
  EXPECT_NE(bad.error().message.find("flash"), std::string::npos);
  EXPECT_EQ(lights->current(), (std::set<std::string>{"key", "rim"})) << "unchanged on error";
  ASSERT_TRUE(lights->set_on({}).ok());
  EXPECT_TRUE(lights->current().empty());
}

TEST(SimButtons, PressesArriveInOrderAtTheirTimes) {
  auto cfg = small_config();
  cfg.buttons.sim_press_at_s = {2.5, 1.0};
  cfg.buttons.buttons = {config::Button{"shutter-button", "trigger", "", -1, true, 30}};
  auto clock = std::make_shared<FakeClock>();
  auto buttons = make_buttons(cfg, clock);

  EXPECT_FALSE(buttons->wait_press(500ms).has_value());
  EXPECT_NEAR(clock->elapsed_s(), 0.5, 1e-9);
  auto first = buttons->wait_press(2000ms);
  ASSERT_TRUE(first.has_value());
  EXPECT_NEAR(clock->elapsed_s(), 1.0, 1e-9);
  EXPECT_EQ(first->name, "shutter-button");
  EXPECT_EQ(first->action, "trigger");
  auto second = buttons->wait_press(5000ms);
  ASSERT_TRUE(second.has_value());
  EXPECT_NEAR(clock->elapsed_s(), 2.5, 1e-9);
  EXPECT_EQ(std::chrono::duration<double>(second->edge_utc - first->edge_utc).count(), 1.5);
  EXPECT_FALSE(buttons->wait_press(1000ms).has_value());
}

TEST(SimButtons, APressThatIsDueReturnsAtOnceWithItsEdgeTime) {
  auto cfg = small_config();
  cfg.buttons.sim_press_at_s = {0.2};
  auto clock = std::make_shared<FakeClock>();
  auto buttons = make_buttons(cfg, clock);
  const UtcTime start = clock->now_utc();
  clock->sleep_for(1s);
  auto ev = buttons->wait_press(0ms);
  ASSERT_TRUE(ev.has_value());
  EXPECT_EQ(ev->name, "trigger");
  EXPECT_NEAR(std::chrono::duration<double>(ev->edge_utc - start).count(), 0.2, 1e-6);
}

TEST(SimButtons, WorksOnTheSystemClock) {
  auto cfg = small_config();
  cfg.buttons.sim_press_at_s = {0.05, 0.1};
  auto clock = std::make_shared<SystemClock>();
  auto buttons = make_buttons(cfg, clock);
  EXPECT_TRUE(buttons->wait_press(2000ms).has_value());
  EXPECT_TRUE(buttons->wait_press(2000ms).has_value());
  EXPECT_FALSE(buttons->wait_press(20ms).has_value());
}

TEST(SimGps, FixWindowsAndNoFixWindowsAlternate) {
  auto cfg = small_config();
  cfg.gps.sim.fix_period_s = 1.0;
  cfg.gps.sim.nofix_s = 0.5;  // samples at .0 .2 .4 have a fix, .6 .8 none: no sample on an edge
  auto clock = make_clock(cfg);
  auto gps = make_gps(cfg, clock);
  EXPECT_FALSE(gps->latest().has_value()) << "nothing before start";
  gps->start();
  // The sampler runs at 5 Hz of virtual time: every 200 ms step lands on exactly one sample,
  // taken at that instant, so each window is seen for what it is.
  int fixes = 0, gaps = 0;
  for (int i = 1; i <= 50; ++i) {
    clock->sleep_for(200ms);
    auto r = gps->latest();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->source, "sim");
    EXPECT_EQ(r->received, clock->now_steady()) << "the reading of this instant, not an older one";
    const bool gap = i % 5 >= 3;
    EXPECT_EQ(r->has_fix(), !gap) << "at t=" << 0.2 * i;
    if (r->has_fix()) {
      ++fixes;
      EXPECT_EQ(r->mode, FixMode::fix3d);
      EXPECT_NEAR(r->lat_deg, cfg.gps.sim.lat_deg, 0.01);
      EXPECT_NEAR(r->lon_deg, cfg.gps.sim.lon_deg, 0.01);
      ASSERT_TRUE(r->alt_msl_m.has_value());
      EXPECT_NEAR(*r->alt_msl_m, cfg.gps.sim.alt_msl_m, 2.0);
      EXPECT_TRUE(r->hdop.has_value() && r->pdop.has_value());
    } else {
      ++gaps;
      EXPECT_FALSE(r->alt_msl_m.has_value());
      EXPECT_FALSE(r->hdop.has_value());
    }
  }
  gps->stop();
  EXPECT_EQ(fixes, 30);
  EXPECT_EQ(gaps, 20);
}

TEST(SimGps, WorksOnTheSystemClock) {
  auto cfg = small_config();
  auto gps = make_gps(cfg, std::make_shared<SystemClock>());
  gps->start();
  // Hang guard only: the first sample is taken as the loop starts.
  for (int i = 0; i < 60000 && !gps->latest(); ++i) std::this_thread::sleep_for(1ms);
  gps->stop();
  ASSERT_TRUE(gps->latest().has_value());
  EXPECT_EQ(gps->latest()->source, "sim");
}

TEST(SimGps, WalksAwayFromTheStart) {
  auto cfg = small_config();
  cfg.gps.sim.speed_m_s = 5.0;
  cfg.gps.sim.nofix_s = 0;
  auto clock = make_clock(cfg);
  const UtcTime utc0 = clock->now_utc();
  auto gps = make_gps(cfg, clock);
  gps->start();
  clock->sleep_for(4s);
  auto r = gps->latest();
  gps->stop();
  ASSERT_TRUE(r.has_value());
  ASSERT_TRUE(r->has_fix());
  const double north_m = (r->lat_deg - cfg.gps.sim.lat_deg) * 111320.0;
  const double east_m =
      (r->lon_deg - cfg.gps.sim.lon_deg) * 111320.0 * std::cos(cfg.gps.sim.lat_deg * M_PI / 180.0);
  // 4 s at 5 m/s along a 40 m circle: a 20 m arc, chord 2 * 40 * sin(0.25).
  EXPECT_NEAR(std::hypot(north_m, east_m), 80.0 * std::sin(0.25), 0.01);
  EXPECT_EQ(r->fix_time_utc, utc0 + 4s);
}

TEST(SimAmbient, DropoutsKeepTheLastGoodReadingAndSayWhy) {
  auto cfg = small_config();
  cfg.ambient.period_ms = 10;
  cfg.ambient.sim.dropout_probability = 0.5;
  auto clock = make_clock(cfg);
  auto amb = make_ambient(cfg, clock);
  EXPECT_FALSE(amb->latest().has_value());
  amb->start();
  int errors = 0, good = 0, errors_with_old_reading = 0;
  std::optional<AmbientReading> prev;
  for (int i = 0; i < 200; ++i) {
    clock->sleep_for(10ms);  // one read per step
    const auto err = amb->last_error();
    const auto r = amb->latest();
    if (!err.empty()) {
      ++errors;
      EXPECT_NE(err.find("dropout"), std::string::npos) << err;
      if (r && prev && r->read_steady == prev->read_steady) ++errors_with_old_reading;
    } else if (r) {
      ++good;
      EXPECT_EQ(r->read_steady, clock->now_steady());
      EXPECT_EQ(r->sensor_id, "sim");
      EXPECT_NEAR(*r->temperature_c, cfg.ambient.sim.temperature_c, 0.5);
      EXPECT_NEAR(*r->humidity_pct, cfg.ambient.sim.humidity_pct, 0.5);
      EXPECT_NEAR(*r->pressure_hpa, cfg.ambient.sim.pressure_hpa, 0.5);
    }
    prev = r;
  }
  amb->stop();
  EXPECT_EQ(errors + good, 200);
  EXPECT_GE(errors, 50);
  EXPECT_GE(good, 50);
  EXPECT_GE(errors_with_old_reading, 1);
}

TEST(SimAmbient, DriftsSlowlyAtTheConfiguredRate) {
  auto cfg = small_config();
  cfg.ambient.period_ms = 1000;
  cfg.ambient.sim.drift_per_min = 0.5;
  auto clock = make_clock(cfg);
  const SteadyTime t0 = clock->now_steady();
  auto amb = make_ambient(cfg, clock);
  amb->start();
  clock->sleep_for(300s);
  amb->stop();
  auto r = amb->latest();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->read_steady, t0 + 300s);
  const double minutes = 5.0;
  EXPECT_NEAR(*r->temperature_c, cfg.ambient.sim.temperature_c + 0.5 * minutes, 0.02);
  EXPECT_NEAR(*r->humidity_pct, cfg.ambient.sim.humidity_pct - 0.5 * minutes, 0.02);
}

}  // namespace
}  // namespace tb::hal::sim
