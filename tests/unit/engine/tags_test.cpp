// The record never carries a stale or invented GPS fix or ambient reading.
#include <gtest/gtest.h>

#include "tetherbox/capture/tags.hpp"

namespace tb::capture {
namespace {

using namespace std::chrono_literals;

struct FakeGps : hal::GpsSource {
  std::optional<hal::GpsReading> r;
  void start() override {}
  void stop() override {}
  std::optional<hal::GpsReading> latest() const override { return r; }
};

struct FakeAmbient : hal::EnvironmentSensor {
  std::optional<hal::AmbientReading> r;
  std::string err;
  void start() override {}
  void stop() override {}
  std::optional<hal::AmbientReading> latest() const override { return r; }
  std::string last_error() const override { return err; }
};

const SteadyTime kNow = SteadyTime{} + 1000s;

hal::GpsReading fix3d(SteadyTime received) {
  hal::GpsReading g;
  g.mode = hal::FixMode::fix3d;
  g.lat_deg = 51.5;
  g.lon_deg = -0.12;
  g.alt_msl_m = 30;
  g.hdop = 0.9;
  g.received = received;
  g.source = "fake";
  return g;
}

TEST(Tags, NoGpsConfigured) {
  auto r = gps_record(nullptr, kNow, 5);
  EXPECT_FALSE(r.fix);
  EXPECT_EQ(r.reason, "no gps configured");
}

TEST(Tags, FreshFixIsUsed) {
  FakeGps g;
  g.r = fix3d(kNow - 1s);
  auto r = gps_record(&g, kNow, 5);
  ASSERT_TRUE(r.fix);
  EXPECT_EQ(r.mode, 3);
  EXPECT_DOUBLE_EQ(r.lat_deg, 51.5);
  EXPECT_DOUBLE_EQ(*r.alt_msl_m, 30);
  EXPECT_NEAR(r.fix_age_s, 1.0, 1e-9);
}

TEST(Tags, StaleFixIsNotUsed) {
  FakeGps g;
  g.r = fix3d(kNow - 12s);
  auto r = gps_record(&g, kNow, 5);
  EXPECT_FALSE(r.fix);
  EXPECT_NE(r.reason.find("stale"), std::string::npos) << r.reason;
}

TEST(Tags, ModeNoneIsNoFixEvenWithCoordinates) {
  FakeGps g;
  g.r = fix3d(kNow);
  g.r->mode = hal::FixMode::none;
  auto r = gps_record(&g, kNow, 5);
  EXPECT_FALSE(r.fix);
  EXPECT_EQ(r.reason, "no fix");
}

TEST(Tags, TwoDFixHasNoAltitude) {
  FakeGps g;
  g.r = fix3d(kNow);
  g.r->mode = hal::FixMode::fix2d;
  auto r = gps_record(&g, kNow, 5);
  ASSERT_TRUE(r.fix);
  EXPECT_FALSE(r.alt_msl_m.has_value());
}

TEST(Tags, AmbientStaleAndFailingSensorSaysWhy) {
  FakeAmbient a;
  a.err = "EIO reading in_humidityrelative_input";
  auto none = ambient_record(&a, kNow, 10);
  EXPECT_FALSE(none.available);
  EXPECT_EQ(none.reason, a.err);

  hal::AmbientReading rd;
  rd.temperature_c = 20.5;
  rd.humidity_pct = 40;
  rd.sensor_id = "fake";
  rd.read_steady = kNow - 30s;
  a.r = rd;
  auto stale = ambient_record(&a, kNow, 10);
  EXPECT_FALSE(stale.available);
  EXPECT_NE(stale.reason.find("stale"), std::string::npos);
  EXPECT_NE(stale.reason.find("EIO"), std::string::npos);

  a.r->read_steady = kNow - 2s;
  auto fresh = ambient_record(&a, kNow, 10);
  ASSERT_TRUE(fresh.available);
  EXPECT_DOUBLE_EQ(*fresh.humidity_pct, 40);
  EXPECT_EQ(fresh.sensor_id, "fake");
}

}  // namespace
}  // namespace tb::capture
