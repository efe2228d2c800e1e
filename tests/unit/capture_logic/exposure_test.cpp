// Exposure maths, shutter display and per-frame verification messages.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "tetherbox/capture/exposure.hpp"

namespace tb::capture {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

hal::ExposureSettings settings(double t, double n, int iso) {
  hal::ExposureSettings e;
  e.shutter_s = t;
  e.aperture = n;
  e.iso = iso;
  return e;
}

TEST(ExposureValue, SunnySixteenIsEv15) {
  // f/16 at 1/125 ISO 100: log2(256 * 125) = log2(32000) = 14.97
  EXPECT_NEAR(exposure_value(settings(1.0 / 125, 16, 100)), std::log2(32000.0), 1e-12);
  // f/1 at 1 s ISO 100 is EV 0 by definition.
  EXPECT_NEAR(exposure_value(settings(1.0, 1.0, 100)), 0.0, 1e-12);
  // Doubling ISO is one stop more sensitive: EV100 number drops by one.
  EXPECT_NEAR(exposure_value(settings(1.0, 1.0, 200)), -1.0, 1e-12);
  // ISO 0 (not reported) is treated as the reference, not as infinitely dark.
  EXPECT_NEAR(exposure_value(settings(1.0, 1.0, 0)), 0.0, 1e-12);
}

TEST(ExposureValue, RelativeBrightnessFollowsTheLaw) {
  const auto a = settings(1.0 / 125, 8, 100);
  const auto b = settings(1.0 / 250, 5.6, 100);  // one stop less time, ~one stop more light
  EXPECT_NEAR(relative_brightness(a), (1.0 / 125) * 100 / 64.0, 1e-15);
  EXPECT_NEAR(relative_brightness(b) / relative_brightness(a), 0.5 * 64.0 / (5.6 * 5.6), 1e-12);
}

TEST(ApplyEvOffset, ScalesShutterOnly) {
  const auto base = settings(1.0 / 125, 8, 200);
  const auto plus = apply_ev_offset(base, +1.0);
  EXPECT_DOUBLE_EQ(plus.shutter_s, 2.0 / 125);
  EXPECT_DOUBLE_EQ(plus.aperture, 8);
  EXPECT_EQ(plus.iso, 200);
  EXPECT_DOUBLE_EQ(apply_ev_offset(base, -2.0).shutter_s, 1.0 / 500);
  EXPECT_NEAR(apply_ev_offset(base, 1.0 / 3).shutter_s, (1.0 / 125) * 1.2599210498948732, 1e-15);
  // +1 EV is one stop brighter, as stops_difference counts it.
  EXPECT_NEAR(stops_difference(base, plus), 1.0, 1e-12);
}

TEST(StopsDifference, EachFieldCountsWithItsSign) {
  const auto c = settings(1.0 / 125, 8, 100);
  EXPECT_NEAR(stops_difference(c, settings(1.0 / 250, 8, 100)), -1.0, 1e-12);
  EXPECT_NEAR(stops_difference(c, settings(1.0 / 125, 4, 100)), +2.0, 1e-12);
  EXPECT_NEAR(stops_difference(c, settings(1.0 / 125, 8, 400)), +2.0, 1e-12);
  // Camera that does not report ISO: ISO does not count.
  EXPECT_NEAR(stops_difference(c, settings(1.0 / 125, 8, 0)), 0.0, 1e-12);
  // Compensating changes cancel.
  EXPECT_NEAR(stops_difference(c, settings(1.0 / 250, 8, 200)), 0.0, 1e-12);
}

TEST(FormatShutter, ConventionalMarkings) {
  EXPECT_EQ(format_shutter(1.0 / 125), "1/125");
  EXPECT_EQ(format_shutter(1.0 / 8000), "1/8000");
  EXPECT_EQ(format_shutter(0.25), "1/4");
  EXPECT_EQ(format_shutter(0.5), "0.5\"");
  EXPECT_EQ(format_shutter(2.0), "2\"");
  EXPECT_EQ(format_shutter(30.0), "30\"");
  EXPECT_EQ(format_shutter(1.0), "1\"");
  // Bracketed times show as the marking a camera would print.
  EXPECT_EQ(format_shutter(2.0 / 125), "1/60");  // 1/62.5
  EXPECT_EQ(format_shutter(0.5 / 125), "1/250");
  EXPECT_EQ(format_shutter(1.0 / 128), "1/125");  // nominal 2^-7
  EXPECT_EQ(format_shutter(1.0 / 32000), "1/32000");
  EXPECT_EQ(format_shutter(1.0 / 90), "1/90");  // half stop
  EXPECT_EQ(format_shutter(1.3), "1.3\"");
}

TEST(FormatShutter, OffTheScaleIsPrintedAsIs) {
  EXPECT_EQ(format_shutter(1.0 / 64000), "1/64000");
  EXPECT_EQ(format_shutter(120.0), "120\"");
}

TEST(VerifyExposure, MatchWithinToleranceIsOk) {
  const auto c = settings(2.0 / 125, 8, 100);  // 1/62.5 commanded
  const auto r = settings(1.0 / 60, 8, 100);   // camera snapped to 1/60
  const auto out = verify_exposure(c, r, 0.34);
  EXPECT_TRUE(out.ok);
  EXPECT_TRUE(out.mismatches.empty());
  // One third of a stop away is within a 1/3-stop tolerance.
  EXPECT_TRUE(verify_exposure(c, apply_ev_offset(c, 1.0 / 3), 1.0 / 3).ok);
}

TEST(VerifyExposure, ShutterMismatchMessage) {
  const auto out = verify_exposure(settings(1.0 / 125, 8, 100), settings(1.0 / 60, 8, 100), 0.34);
  EXPECT_FALSE(out.ok);
  // log2(125/60) = 1.06 stops brighter
  EXPECT_THAT(out.mismatches, ElementsAre("shutter 1/60 reported, 1/125 commanded (+1.1 EV)"));
  const auto dark = verify_exposure(settings(1.0 / 125, 8, 100), settings(1.0 / 500, 8, 100), 0.34);
  EXPECT_THAT(dark.mismatches, ElementsAre("shutter 1/500 reported, 1/125 commanded (-2.0 EV)"));
}

TEST(VerifyExposure, EveryFieldReportedSeparately) {
  const auto out =
      verify_exposure(settings(1.0 / 125, 8, 100), settings(1.0 / 250, 5.6, 400), 0.34);
  EXPECT_FALSE(out.ok);
  ASSERT_EQ(out.mismatches.size(), 3u);
  EXPECT_EQ(out.mismatches[0], "shutter 1/250 reported, 1/125 commanded (-1.0 EV)");
  EXPECT_EQ(out.mismatches[1], "aperture f/5.6 reported, f/8 commanded (+1.0 EV)");
  EXPECT_EQ(out.mismatches[2], "ISO 400 reported, 100 commanded (+2.0 EV)");
}

TEST(VerifyExposure, IsoIgnoredWhenNotReported) {
  EXPECT_TRUE(verify_exposure(settings(1.0 / 125, 8, 100), settings(1.0 / 125, 8, 0), 0.34).ok);
  EXPECT_TRUE(verify_exposure(settings(1.0 / 125, 8, 0), settings(1.0 / 125, 8, 3200), 0.34).ok);
}

TEST(VerifyExposure, MissingValuesAreMismatches) {
  const auto out = verify_exposure(settings(1.0 / 125, 8, 100), settings(0.0, 8, 100), 0.34);
  EXPECT_FALSE(out.ok);
  ASSERT_EQ(out.mismatches.size(), 1u);
  EXPECT_THAT(out.mismatches[0], HasSubstr("shutter not reported"));
  EXPECT_THAT(out.mismatches[0], HasSubstr("1/125 commanded"));
}

}  // namespace
}  // namespace tb::capture
