#include "tetherbox/common/time_utc.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <ctime>

namespace tb {
namespace {

struct Split {
  std::tm tm{};
  long micros = 0;
};

Split split(UtcTime t) {
  using namespace std::chrono;
  auto us = duration_cast<microseconds>(t.time_since_epoch()).count();
  long long secs = us / 1000000;
  long micros = static_cast<long>(us % 1000000);
  if (micros < 0) {
    micros += 1000000;
    --secs;
  }
  Split s;
  std::time_t tt = static_cast<std::time_t>(secs);
  gmtime_r(&tt, &s.tm);
  s.micros = micros;
  return s;
}

}  // namespace

std::string format_utc_iso(UtcTime t) {
  auto s = split(t);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}+00:00", s.tm.tm_year + 1900,
                     s.tm.tm_mon + 1, s.tm.tm_mday, s.tm.tm_hour, s.tm.tm_min, s.tm.tm_sec,
                     s.micros);
}

std::string format_utc_compact(UtcTime t) {
  auto s = split(t);
  return fmt::format("{:04}-{:02}-{:02}T{:02}{:02}{:02}Z", s.tm.tm_year + 1900, s.tm.tm_mon + 1,
                     s.tm.tm_mday, s.tm.tm_hour, s.tm.tm_min, s.tm.tm_sec);
}

std::string format_exif_datetime(UtcTime t) {
  auto s = split(t);
  return fmt::format("{:04}:{:02}:{:02} {:02}:{:02}:{:02}", s.tm.tm_year + 1900, s.tm.tm_mon + 1,
                     s.tm.tm_mday, s.tm.tm_hour, s.tm.tm_min, s.tm.tm_sec);
}

std::string format_subsec_ms(UtcTime t) { return fmt::format("{:03}", split(t).micros / 1000); }

std::optional<UtcTime> parse_utc_iso(const std::string& str) {
  int y, mo, d, h, mi, se;
  char rest[64] = {0};
  if (std::sscanf(str.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%63s", &y, &mo, &d, &h, &mi, &se, rest) <
      6)
    return std::nullopt;
  std::string r(rest);
  long micros = 0;
  size_t pos = 0;
  if (!r.empty() && r[0] == '.') {
    size_t i = 1;
    std::string digits;
    while (i < r.size() && isdigit(static_cast<unsigned char>(r[i]))) digits += r[i++];
    while (digits.size() < 6) digits += '0';
    micros = std::stol(digits.substr(0, 6));
    pos = i;
  }
  std::string zone = r.substr(pos);
  if (!(zone.empty() || zone == "Z" || zone == "+00:00")) return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = se;
  std::time_t tt = timegm(&tm);
  return std::chrono::system_clock::from_time_t(tt) + std::chrono::microseconds(micros);
}

double seconds_between(SteadyTime a, SteadyTime b) {
  return std::chrono::duration<double>(b - a).count();
}


}  // namespace tb
