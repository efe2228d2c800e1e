// The frame record carries the clock's sync state, and its trigger uncertainty is the capture
// window's half-width plus the clock's bound.
#include <gtest/gtest.h>

#include "tetherbox/capture/record.hpp"
#include "tetherbox/capture/shot_executor.hpp"
#include "tetherbox/config/config.hpp"
#include "tetherbox/hal/sim/sim.hpp"

namespace tb {
namespace {

// A host clock that is exactly as (un)synchronised as told.
class StatedClock final : public hal::Clock {
 public:
  explicit StatedClock(hal::ClockSync s) : s_(std::move(s)) {}
  UtcTime now_utc() const override { return UtcTime{} + std::chrono::hours(24 * 365 * 56); }
  SteadyTime now_steady() const override { return SteadyTime{}; }
  double utc_uncertainty_s() const override { return s_.uncertainty_s; }
  hal::ClockSync sync_state() const override { return s_; }
  void sleep_for(std::chrono::nanoseconds) override {}

 private:
  hal::ClockSync s_;
};

// Fires within a window of +-4 ms around trigger_utc.
class WindowCamera final : public hal::Camera {
 public:
  Result<hal::CameraInfo> open() override { return hal::CameraInfo{}; }
  void close() override {}
  Status set_exposure(const hal::ExposureSettings&) override { return {}; }
  Result<hal::ExposureSettings> read_exposure() override { return hal::ExposureSettings{}; }
  Status lock_automatics() override { return {}; }
  Result<std::optional<double>> sync_clock(UtcTime) override { return std::optional<double>{}; }
  Status drain() override { return {}; }
  Result<hal::CaptureResult> capture(uint64_t request_id) override {
    hal::CaptureResult r;
    r.request_id = request_id;
    r.files.push_back({"IMG_1.JPG", "jpg", "image/jpeg", {0xff, 0xd8, 0xff, 0xd9}});
    r.reported = exposure();
    r.trigger_uncertainty_s = 0.004;
    return r;
  }
  Status reconnect() override { return {}; }
  static hal::ExposureSettings exposure() { return {1.0 / 125, 8.0, 100, 0}; }
};

capture::FrameRecord take_with(hal::Clock& clock) {
  WindowCamera cam;
  capture::ShotSetup s;
  s.camera = &cam;
  s.clock = &clock;
  uint64_t req = 1;
  capture::ShotExecutor ex(
      s, [](const std::string&, uint64_t, uint64_t) {}, [] { return false; },
      [&req] { return req++; });
  auto shot = ex.take(0, WindowCamera::exposure());
  EXPECT_TRUE(shot.ok()) << shot.error().message;
  return shot.ok() ? shot->record : capture::FrameRecord{};
}

TEST(ClockRecord, AnUnsynchronisedClockIsSaidAndWidensTheTriggerUncertainty) {
  StatedClock clock({16.0, false, "adjtimex", "kernel clock unsynchronised (STA_UNSYNC)"});
  const auto r = take_with(clock);
  EXPECT_DOUBLE_EQ(r.trigger_uncertainty_s, 0.004 + 16.0);
  const auto j = capture::to_json(r);
  ASSERT_TRUE(j.contains("time_sync")) << j.dump();
  EXPECT_EQ(j["time_sync"]["synchronised"], false);
  EXPECT_EQ(j["time_sync"]["source"], "adjtimex");
  EXPECT_DOUBLE_EQ(j["time_sync"]["uncertainty_ms"].get<double>(), 16000.0);
  EXPECT_EQ(j["time_sync"]["detail"], "kernel clock unsynchronised (STA_UNSYNC)");
  const auto back = capture::frame_record_from_json(j);
  EXPECT_FALSE(back.time_sync.synchronised);
  EXPECT_EQ(back.time_sync.source, "adjtimex");
  EXPECT_DOUBLE_EQ(back.time_sync.uncertainty_s, 16.0);
}

TEST(ClockRecord, ASynchronisedClockAddsItsBound) {
  StatedClock clock({0.000015, true, "chrony", "PPS"});
  const auto r = take_with(clock);
  EXPECT_DOUBLE_EQ(r.trigger_uncertainty_s, 0.004 + 0.000015);
  EXPECT_TRUE(r.time_sync.synchronised);
  EXPECT_EQ(capture::to_json(r)["time_sync"]["source"], "chrony");
}

TEST(ClockRecord, AJournalLineWithoutTimeSyncStillReads) {
  StatedClock clock({0.001, true, "chrony", ""});
  auto j = capture::to_json(take_with(clock));
  j.erase("time_sync");
  const auto back = capture::frame_record_from_json(j);
  EXPECT_EQ(back.time_sync.source, "");
  EXPECT_FALSE(back.time_sync.synchronised);
}

TEST(ClockRecord, TheSimBoardsClockSaysItIsSimulated) {
  auto clock = hal::sim::make_clock(config::Config{});
  const auto s = clock->sync_state();
  EXPECT_EQ(s.source, "simulated");
  EXPECT_DOUBLE_EQ(s.uncertainty_s, 0.0);
  EXPECT_EQ(capture::to_json(take_with(*clock))["time_sync"]["source"], "simulated");
}

}  // namespace
}  // namespace tb
