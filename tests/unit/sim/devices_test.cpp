// The other sim devices: turntable timing, lights, buttons, GPS windows, ambient dropouts.
#include <gtest/gtest.h>

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
  cfg.gps.sim.nofix_s = 0.4;
  auto gps = make_gps(cfg, std::make_shared<SystemClock>());
  EXPECT_FALSE(gps->latest().has_value()) << "nothing before start";
  gps->start();
  int fixes = 0, gaps = 0;
  for (int i = 0; i < 120; ++i) {
    std::this_thread::sleep_for(20ms);
    auto r = gps->latest();
    if (!r) continue;
    EXPECT_EQ(r->source, "sim");
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
  EXPECT_GT(fixes, 20);
  EXPECT_GT(gaps, 10);
}

TEST(SimGps, WalksAwayFromTheStart) {
  auto cfg = small_config();
  cfg.gps.sim.speed_m_s = 5.0;
  auto clock = std::make_shared<FakeClock>();
  auto gps = make_gps(cfg, clock);
  gps->start();
  // Virtual time runs as fast as the sampler sleeps; wait until it has covered some metres.
  for (int i = 0; i < 500; ++i) {
    std::this_thread::sleep_for(2ms);
    if (clock->elapsed_s() > 4.0) break;
  }
  gps->stop();
  auto r = gps->latest();
  ASSERT_TRUE(r.has_value());
  ASSERT_TRUE(r->has_fix());
  const double north_m = (r->lat_deg - cfg.gps.sim.lat_deg) * 111320.0;
  const double east_m =
      (r->lon_deg - cfg.gps.sim.lon_deg) * 111320.0 * std::cos(cfg.gps.sim.lat_deg * M_PI / 180.0);
  EXPECT_GT(std::hypot(north_m, east_m), 5.0);
  EXPECT_TRUE(r->fix_time_utc > UtcTime(std::chrono::seconds(1'900'000'000)));
}

TEST(SimAmbient, DropoutsKeepTheLastGoodReadingAndSayWhy) {
  auto cfg = small_config();
  cfg.ambient.period_ms = 10;
  cfg.ambient.sim.dropout_probability = 0.5;
  auto amb = make_ambient(cfg, std::make_shared<SystemClock>());
  EXPECT_FALSE(amb->latest().has_value());
  amb->start();
  int errors = 0, good = 0, errors_with_old_reading = 0;
  std::optional<AmbientReading> prev;
  for (int i = 0; i < 200 && (errors < 5 || good < 5); ++i) {
    std::this_thread::sleep_for(7ms);
    const auto err = amb->last_error();
    const auto r = amb->latest();
    if (!err.empty()) {
      ++errors;
      EXPECT_NE(err.find("dropout"), std::string::npos) << err;
      if (r && prev && r->read_steady == prev->read_steady) ++errors_with_old_reading;
    } else if (r) {
      ++good;
      EXPECT_EQ(r->sensor_id, "sim");
      EXPECT_NEAR(*r->temperature_c, cfg.ambient.sim.temperature_c, 0.5);
      EXPECT_NEAR(*r->humidity_pct, cfg.ambient.sim.humidity_pct, 0.5);
      EXPECT_NEAR(*r->pressure_hpa, cfg.ambient.sim.pressure_hpa, 0.5);
    }
    prev = r;
  }
  amb->stop();
  EXPECT_GE(errors, 5);
  EXPECT_GE(good, 5);
  EXPECT_GE(errors_with_old_reading, 1);
}

TEST(SimAmbient, DriftsSlowlyAtTheConfiguredRate) {
  auto cfg = small_config();
  cfg.ambient.period_ms = 1000;
  cfg.ambient.sim.drift_per_min = 0.5;
  auto clock = std::make_shared<FakeClock>();
  const SteadyTime t0 = clock->now_steady();
  auto amb = make_ambient(cfg, clock);
  amb->start();
  for (int i = 0; i < 500; ++i) {
    std::this_thread::sleep_for(2ms);
    if (clock->elapsed_s() > 300) break;
  }
  amb->stop();
  auto r = amb->latest();
  ASSERT_TRUE(r.has_value());
  const double minutes = seconds_between(t0, r->read_steady) / 60.0;
  ASSERT_GT(minutes, 2.0) << "virtual time should have advanced";
  EXPECT_NEAR(*r->temperature_c, cfg.ambient.sim.temperature_c + 0.5 * minutes, 0.02);
  EXPECT_NEAR(*r->humidity_pct, cfg.ambient.sim.humidity_pct - 0.5 * minutes, 0.02);
}

}  // namespace
}  // namespace tb::hal::sim
