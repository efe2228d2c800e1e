#include "tetherbox/capture/shot_executor.hpp"

#include <gtest/gtest.h>

#include "fake_devices.hpp"

namespace tb::capture {
namespace {

struct Fixture {
  test::ManualClock clock;
  test::ScriptedCamera cam;
  std::vector<std::string> journaled;
  uint64_t next_req = 1;
  ShotExecutor make(RetryLimits lim = {}) {
    ShotSetup s;
    s.camera = &cam;
    s.clock = &clock;
    s.limits = lim;
    return ShotExecutor(
        s, [this](const std::string& m, uint64_t, uint64_t) { journaled.push_back(m); },
        [] { return false; }, [this] { return next_req++; });
  }
};

hal::ExposureSettings commanded() {
  return hal::ExposureSettings{1.0 / 125, 8.0, 100, 0};
}

TEST(ShotExecutor, ACameraBusyForeverEndsInABoundedResumableStop) {
  Fixture f;
  RetryLimits lim;  // the defaults the runner uses
  auto ex = f.make(lim);
  auto r = ex.take(5, commanded());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::busy);
  EXPECT_NE(r.error().message.find("camera busy for"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("on frame 5"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("--resume"), std::string::npos);
  EXPECT_EQ(f.cam.captures, lim.max_attempts);
  EXPECT_LE(f.cam.reconnects, lim.max_reconnects);
  EXPECT_GE(f.cam.reconnects, 1);  // a long busy streak resets the session once
  EXPECT_LE(static_cast<int>(f.journaled.size()), lim.max_fault_lines);
}

TEST(ShotExecutor, ACameraThatNeverComesBackStopsAfterTheReconnectBudget) {
  Fixture f;
  f.cam.fallback = {Error{Errc::disconnected, "unplugged"}, {}, true};
  f.cam.reconnect_fails = true;
  RetryLimits lim;
  lim.max_reconnects = 3;
  auto ex = f.make(lim);
  auto r = ex.take(2, commanded());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::disconnected);
  EXPECT_EQ(f.cam.reconnects, 3);
  EXPECT_EQ(f.cam.captures, 1);
  EXPECT_NE(r.error().message.find("camera lost on frame 2"), std::string::npos);
}

TEST(ShotExecutor, BusyThenAFrameKeepsTheRequestAndCountsAttempts) {
  Fixture f;
  f.cam.script = {{Error{Errc::busy, "b"}, {}, true},
                  {Error{Errc::busy, "b"}, {}, true},
                  {std::nullopt, commanded(), true}};
  auto ex = f.make();
  auto r = ex.take(0, commanded());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->record.attempts, 3);
  EXPECT_EQ(r->record.request_id, 1u);
  EXPECT_TRUE(r->record.exposure_verified);
  EXPECT_FALSE(r->record.exposure_mismatch);
  EXPECT_EQ(r->record.reported_source, "camera");  // the stub JPEG carries no EXIF
  EXPECT_EQ(r->record.faults.size(), 2u);
}

TEST(ShotExecutor, AMismatchKeptAfterTheRetakesIsFlagged) {
  Fixture f;
  auto wrong = commanded();
  wrong.shutter_s = 1.0 / 30;
  f.cam.fallback = {std::nullopt, wrong, true};
  auto ex = f.make();
  auto r = ex.take(0, commanded());
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->record.exposure_mismatch);
  EXPECT_FALSE(r->record.exposure_verified);
  EXPECT_EQ(f.cam.captures, 3);  // verify_retries 2: two re-takes with new requests
  EXPECT_EQ(r->record.request_id, 3u);
}

TEST(ShotExecutor, NothingReportedIsRecordedAsNoneAndNotVerified) {
  Fixture f;
  f.cam.fallback = {std::nullopt, commanded(), false};
  auto ex = f.make();
  auto r = ex.take(0, commanded());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->record.reported_source, "none");
  EXPECT_FALSE(r->record.reported_valid);
  EXPECT_FALSE(r->record.exposure_verified);
  EXPECT_FALSE(r->record.exposure_mismatch);
}

// Readings that change with every capture: what the record holds tells when it was sampled.
struct CountingGps final : hal::GpsSource {
  const test::ScriptedCamera* cam;
  const hal::Clock* clock;
  void start() override {}
  void stop() override {}
  std::optional<hal::GpsReading> latest() const override {
    hal::GpsReading g;
    g.mode = hal::FixMode::fix3d;
    g.lat_deg = cam->captures;
    g.received = clock->now_steady();
    return g;
  }
};
struct CountingSensor final : hal::EnvironmentSensor {
  const test::ScriptedCamera* cam;
  const hal::Clock* clock;
  void start() override {}
  void stop() override {}
  std::optional<hal::AmbientReading> latest() const override {
    hal::AmbientReading a;
    a.temperature_c = cam->captures;
    a.sensor_id = "counting";
    a.read_steady = clock->now_steady();
    return a;
  }
  std::string last_error() const override { return {}; }
};

TEST(ShotExecutor, GpsAndAmbientAreSampledAtTheTriggerNotAfterTheDownload) {
  Fixture f;
  f.cam.script = {{Error{Errc::busy, "b"}, {}, true}, {std::nullopt, commanded(), true}};
  CountingGps gps;
  gps.cam = &f.cam;
  gps.clock = &f.clock;
  CountingSensor amb;
  amb.cam = &f.cam;
  amb.clock = &f.clock;
  ShotSetup s;
  s.camera = &f.cam;
  s.clock = &f.clock;
  s.gps = &gps;
  s.ambient = &amb;
  uint64_t req = 1;
  ShotExecutor ex(
      s, {}, [] { return false; }, [&] { return req++; });
  auto r = ex.take(0, commanded());
  ASSERT_TRUE(r.ok());
  // The frame came from the second capture() call; the readings were taken just before it.
  ASSERT_TRUE(r->record.gps.fix);
  EXPECT_EQ(r->record.gps.lat_deg, 1.0);
  ASSERT_TRUE(r->record.ambient.available);
  EXPECT_EQ(r->record.ambient.temperature_c, 1.0);
}

TEST(ShotExecutor, NoSensorsConfiguredIsSaidInTheRecord) {
  Fixture f;
  f.cam.fallback = {std::nullopt, commanded(), true};
  auto ex = f.make();
  auto r = ex.take(0, commanded());
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->record.gps.fix);
  EXPECT_FALSE(r->record.gps.reason.empty());
  EXPECT_FALSE(r->record.ambient.available);
  EXPECT_FALSE(r->record.ambient.reason.empty());
}

}  // namespace
}  // namespace tb::capture
