#include <gtest/gtest.h>

#include "tetherbox/capture/record.hpp"
#include "tetherbox/common/time_utc.hpp"

namespace tb {
namespace {

TEST(TimeUtc, IsoRoundTripKeepsMicroseconds) {
  UtcTime t = std::chrono::system_clock::from_time_t(1764088552) + std::chrono::microseconds(123456);
  const auto s = format_utc_iso(t);
  EXPECT_EQ(s, "2025-11-25T16:35:52.123456+00:00");
  auto back = parse_utc_iso(s);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, t);
  EXPECT_EQ(format_exif_datetime(t), "2025:11:25 16:35:52");
  EXPECT_EQ(format_subsec_ms(t), "123");
  EXPECT_EQ(format_utc_compact(t), "2025-11-25T163552Z");
}

TEST(TimeUtc, RejectsLocalZones) {
  EXPECT_FALSE(parse_utc_iso("2025-11-25T16:35:52+01:00"));
  EXPECT_TRUE(parse_utc_iso("2025-11-25T16:35:52Z"));
}

TEST(FrameRecordJson, RoundTrip) {
  capture::FrameRecord r;
  r.request_id = 17;
  r.seq = 4;
  r.name = "x_00004";
  r.position = {1, 2, 45.0, 30.0, "key", 2, 1.0};
  r.commanded = {0.008, 8, 100, 0};
  r.reported = {0.004, 8, 100, 0};
  r.trigger_utc = std::chrono::system_clock::from_time_t(1764088552) + std::chrono::microseconds(5);
  r.camera_clock_offset_s = -0.25;
  r.gps.fix = true;
  r.gps.mode = 3;
  r.gps.lat_deg = -33.5;
  r.gps.alt_msl_m = 12.5;
  r.ambient.reason = "unavailable: EIO";
  r.files.push_back({"original", "data/frames/x.dng", "DSC_0001.DNG", 42, "ab"});
  r.faults = {"camera busy"};
  auto back = capture::frame_record_from_json(capture::to_json(r));
  EXPECT_EQ(back.request_id, 17u);
  EXPECT_EQ(back.position.light, "key");
  EXPECT_DOUBLE_EQ(back.reported.shutter_s, 0.004);
  EXPECT_EQ(back.trigger_utc, r.trigger_utc);
  EXPECT_EQ(*back.camera_clock_offset_s, -0.25);
  EXPECT_DOUBLE_EQ(*back.gps.alt_msl_m, 12.5);
  EXPECT_FALSE(back.gps.hdop.has_value());
  EXPECT_FALSE(back.ambient.available);
  EXPECT_EQ(back.ambient.reason, "unavailable: EIO");
  ASSERT_EQ(back.files.size(), 1u);
  EXPECT_EQ(back.files[0].camera_name, "DSC_0001.DNG");
  EXPECT_EQ(back.faults, r.faults);
}

}  // namespace
}  // namespace tb
