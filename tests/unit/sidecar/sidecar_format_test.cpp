// The text forms the sidecar writes: rationals, XMP GPS coordinates, dates.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <numbers>

#include "sidecar_format.hpp"

using namespace tb::capture::xmpfmt;

namespace {

double parse_rational(const std::string& s) {
  long long n = 0, d = 1;
  EXPECT_EQ(std::sscanf(s.c_str(), "%lld/%lld", &n, &d), 2) << s;
  return static_cast<double>(n) / static_cast<double>(d);
}

double parse_gps(const std::string& s) {
  // The hemisphere letter is split off first: %lf would take "E" for an exponent.
  const char hemi = s.back();
  int deg = 0;
  double min = 0;
  EXPECT_EQ(std::sscanf(s.substr(0, s.size() - 1).c_str(), "%d,%lf", &deg, &min), 2) << s;
  const double v = deg + min / 60.0;
  return (hemi == 'S' || hemi == 'W') ? -v : v;
}

}  // namespace

TEST(SidecarFormat, ExposureTimeUsesReciprocalForm) {
  EXPECT_EQ(exposure_time(1.0 / 125.0), "1/125");
  EXPECT_EQ(exposure_time(1.0 / 8000.0), "1/8000");
  EXPECT_EQ(exposure_time(0.5), "1/2");
  EXPECT_EQ(exposure_time(1.3), "13/10");
  EXPECT_EQ(exposure_time(30.0), "30/1");
}

TEST(SidecarFormat, RationalIsReducedAndSigned) {
  EXPECT_EQ(rational(5.6, 100), "28/5");
  EXPECT_EQ(rational(8.0, 100), "8/1");
  EXPECT_EQ(rational(-5.3, 1000), "-53/10");
  EXPECT_EQ(rational(0.0, 100), "0/1");
  EXPECT_NEAR(parse_rational(rational(1013.25, 1000)), 1013.25, 1e-9);
  EXPECT_EQ(rational(std::numbers::pi, 10000), "355/113");  // best approximation, q <= 1e4
}

TEST(SidecarFormat, GpsCoordinateRoundTripsAndNamesHemisphere) {
  for (double v : {48.8583701, -33.8567844, 0.0, 89.9999999, -0.0000004, 179.9999999}) {
    if (v <= 90.0) {  // past 90 is no latitude (gps_coordinate gives "")
      const auto lat = gps_coordinate(v, true);
      EXPECT_NEAR(parse_gps(lat), v, 1e-9) << lat;
    }
    const auto lon = gps_coordinate(v, false);
    EXPECT_NEAR(parse_gps(lon), v, 1e-9) << lon;
  }
  EXPECT_EQ(gps_coordinate(-33.5, true), "33,30.00000000S");
  EXPECT_EQ(gps_coordinate(-151.25, false), "151,15.00000000W");
  EXPECT_EQ(gps_coordinate(12.0, false), "12,00.00000000E");
  // Just below a whole degree: minutes must carry into the degree, never read "60.".
  EXPECT_EQ(gps_coordinate(10.9999999999999, true), "11,00.00000000N");
}

TEST(SidecarFormat, DateHasMillisecondsAndUtcZone) {
  using namespace std::chrono;
  const tb::UtcTime t =
      sys_days{year{2026} / 11 / 25} + hours{16} + minutes{35} + seconds{52} + microseconds{123456};
  EXPECT_EQ(xmp_date_ms(t), "2026-11-25T16:35:52.123+00:00");
  const tb::UtcTime before_epoch =
      sys_days{year{1969} / 12 / 31} + hours{23} + minutes{59} + seconds{59} + milliseconds{250};
  EXPECT_EQ(xmp_date_ms(before_epoch), "1969-12-31T23:59:59.250+00:00");
}

// Issue 8: UBSan reported a negation overflow in rational() (llround of a huge value gave
// LLONG_MIN, and std::gcd negated it). The test build runs with UBSan, which aborts on it.
TEST(SidecarFormat, RationalIsDefinedForExtremeValues) {
  constexpr double kInt64Min = static_cast<double>(std::numeric_limits<int64_t>::min());
  constexpr double kIntMin = static_cast<double>(std::numeric_limits<int>::min());
  EXPECT_EQ(rational(kInt64Min, 100), "-9223372036854775808/1");
  EXPECT_EQ(rational(-kInt64Min, 100), "9223372036854775808/1");
  EXPECT_EQ(rational(kIntMin, 100), "-2147483648/1");
  EXPECT_EQ(rational(-kIntMin, 100), "2147483648/1");
  EXPECT_EQ(rational(static_cast<double>(std::numeric_limits<int>::max()), 100), "2147483647/1");
  EXPECT_EQ(rational(-1e300, 1000).substr(0, 5), "-1000");
  EXPECT_EQ(rational(std::numeric_limits<double>::max(), 1).back(), '1');
  EXPECT_EQ(rational(std::numeric_limits<double>::lowest(), 1).front(), '-');
  // Tiny values, a huge or non-positive denominator bound: still a fraction, never a trap.
  EXPECT_EQ(rational(std::numeric_limits<double>::denorm_min(), 100), "0/1");
  EXPECT_EQ(rational(-std::numeric_limits<double>::denorm_min(), 100), "0/1");
  EXPECT_NEAR(parse_rational(rational(1.0 / 3.0, std::numeric_limits<long>::max())), 1.0 / 3.0,
              1e-15);
  // Convergents stop within 1e-12 relative.
  EXPECT_NEAR(parse_rational(rational(4e12 + 0.5, std::numeric_limits<long>::max())), 4e12 + 0.5,
              4.0);
  EXPECT_NEAR(parse_rational(rational(-123456789.123, std::numeric_limits<long>::max())),
              -123456789.123, 123456789.123 * 1e-12);
  EXPECT_EQ(rational(2.5, 0), "2/1");
  EXPECT_EQ(rational(-2.5, std::numeric_limits<long>::min()), "-2/1");
  EXPECT_EQ(rational(-0.0, 100), "0/1");
  // No text form: the writer leaves the property out instead of writing a fake 0.
  EXPECT_EQ(rational(std::numeric_limits<double>::quiet_NaN()), "");
  EXPECT_EQ(rational(-std::numeric_limits<double>::infinity()), "");
}

TEST(SidecarFormat, OtherFormsAreDefinedForExtremeValues) {
  EXPECT_EQ(exposure_time(std::numeric_limits<double>::denorm_min()), "0/1");
  EXPECT_EQ(exposure_time(1e-300), "0/1");
  EXPECT_EQ(exposure_time(static_cast<double>(std::numeric_limits<int64_t>::min())),
            "-9223372036854775808/1");
  EXPECT_EQ(exposure_time(std::numeric_limits<double>::infinity()), "");
  EXPECT_EQ(gps_coordinate(std::numeric_limits<double>::quiet_NaN(), true), "");
  EXPECT_EQ(gps_coordinate(static_cast<double>(std::numeric_limits<int64_t>::min()), false), "");
  EXPECT_EQ(gps_coordinate(90.5, true), "");
  EXPECT_EQ(gps_coordinate(-180.0, false), "180,00.00000000W");
  EXPECT_EQ(real(std::numeric_limits<double>::quiet_NaN()), "");
  EXPECT_EQ(real(-9223372036854775808.0), "-9.223372036854776e+18");
}
