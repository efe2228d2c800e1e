// The text forms the sidecar writes: rationals, XMP GPS coordinates, dates.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
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
    const auto lat = gps_coordinate(v, true);
    EXPECT_NEAR(parse_gps(lat), v, 1e-9) << lat;
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
