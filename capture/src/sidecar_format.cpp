#include "sidecar_format.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <ctime>
#include <numeric>

namespace tb::capture::xmpfmt {

std::string rational(double v, long max_den) {
  if (!std::isfinite(v)) return "";
  if (max_den < 1) max_den = 1;
  const bool neg = std::signbit(v) && v != 0;
  const double x = std::fabs(v);
  // Beyond 2^53 a double holds an integer exactly and no fraction is left: print it whole.
  // (This used to go through llround, whose LLONG_MIN for huge values then overflowed the
  // negation inside std::gcd: UBSan's report in issue 8.)
  if (x >= 9007199254740992.0) return fmt::format("{}{:.0f}/1", neg ? "-" : "", x);
  // Continued fraction expansion: the best approximation with a bounded denominator. Every
  // step is checked for overflow; the last convergent that fits is kept.
  long long p0 = 0, q0 = 1, p1 = 1, q1 = 0;
  double frac = x;
  for (int i = 0; i < 64; ++i) {
    const double a = std::floor(frac);
    if (a >= 9007199254740992.0) break;
    const long long ai = static_cast<long long>(a);
    long long p2 = 0, q2 = 0;
    if (__builtin_mul_overflow(ai, p1, &p2) || __builtin_add_overflow(p2, p0, &p2) ||
        __builtin_mul_overflow(ai, q1, &q2) || __builtin_add_overflow(q2, q0, &q2))
      break;
    if (q2 > max_den) break;
    p0 = p1;
    q0 = q1;
    p1 = p2;
    q1 = q2;
    const double rem = frac - a;
    if (rem < 1e-12 ||
        std::fabs(static_cast<double>(p1) / static_cast<double>(q1) - x) < 1e-12 * std::max(1.0, x))
      break;
    frac = 1.0 / rem;
  }
  if (q1 == 0) {  // not even the integer part was taken (x < 2^53 always fits): nearest integer
    p1 = static_cast<long long>(std::nearbyint(x));
    q1 = 1;
  }
  const long long g = std::gcd(p1, q1);  // both >= 0, q1 >= 1: no negation can overflow
  return fmt::format("{}{}/{}", neg && p1 != 0 ? "-" : "", p1 / g, q1 / g);
}

std::string exposure_time(double seconds) {
  if (!std::isfinite(seconds)) return "";
  // Reciprocal form only while 1/s is a sane integer: a cast of a huge double is UB.
  if (seconds >= 1e-9 && seconds < 1) {
    const double inv = 1.0 / seconds;
    const double r = std::round(inv);
    if (std::fabs(inv - r) < 1e-6 * inv) return fmt::format("1/{}", static_cast<long long>(r));
  }
  return rational(seconds, 100000);
}

std::string gps_coordinate(double deg, bool is_lat) {
  if (!std::isfinite(deg) || std::fabs(deg) > (is_lat ? 90.0 : 180.0)) return "";
  const char hemi = is_lat ? (deg < 0 ? 'S' : 'N') : (deg < 0 ? 'W' : 'E');
  // Work in integer 1e-8 minutes so rounding can never print "60.00000000" minutes.
  constexpr long long kScale = 100000000LL;
  const long long total = std::llround(std::fabs(deg) * 60.0 * static_cast<double>(kScale));
  const long long d = total / (60 * kScale);
  const long long rem = total % (60 * kScale);
  return fmt::format("{},{:02}.{:08}{}", d, rem / kScale, rem % kScale, hemi);
}

std::string xmp_date_ms(UtcTime t) {
  using namespace std::chrono;
  const auto ms_total = floor<milliseconds>(t.time_since_epoch()).count();
  long long secs = ms_total / 1000;
  long long ms = ms_total % 1000;
  if (ms < 0) {
    ms += 1000;
    --secs;
  }
  std::tm tm{};
  const std::time_t tt = static_cast<std::time_t>(secs);
  gmtime_r(&tt, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}+00:00", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

std::string real(double v) {
  if (!std::isfinite(v)) return "";
  return fmt::format("{}", v);
}

}  // namespace tb::capture::xmpfmt
