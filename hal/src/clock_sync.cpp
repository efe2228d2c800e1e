#include "tetherbox/hal/clock_sync.hpp"

#include <fmt/format.h>
#include <sys/timex.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <vector>

namespace tb::hal {
namespace {

constexpr double kUnknownS = kTimexUnknownUs * 1e-6;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' '))
    s.remove_suffix(1);
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  return s;
}

std::optional<double> to_double(std::string_view s) {
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

}  // namespace

ClockSync sync_from_timex(const TimexSample& t) {
  ClockSync s;
  s.source = "adjtimex";
  const bool unsync_flag = (t.status & STA_UNSYNC) != 0;
  const bool time_error = t.state == TIME_ERROR;
  if (unsync_flag || time_error) {
    s.synchronised = false;
    s.uncertainty_s = kUnknownS;
    s.detail = fmt::format("kernel clock unsynchronised ({}{}{}); maxerror {} us, esterror {} us",
                           unsync_flag ? "STA_UNSYNC" : "", unsync_flag && time_error ? ", " : "",
                           time_error ? "TIME_ERROR" : "", t.maxerror_us, t.esterror_us);
    return s;
  }
  s.synchronised = true;
  // A negative maxerror is not a bound; the ceiling is the only honest value then.
  s.uncertainty_s = t.maxerror_us < 0 ? kUnknownS : std::min(t.maxerror_us, kTimexUnknownUs) * 1e-6;
  s.detail = fmt::format("kernel maxerror {} us, esterror {} us", t.maxerror_us, t.esterror_us);
  return s;
}

Result<ChronyTracking> parse_chrony_tracking_csv(std::string_view text) {
  text = trim(text);
  if (text.find('\n') != std::string_view::npos)
    return make_error(Errc::invalid, "chronyc tracking: expected one CSV line, got several");
  std::vector<std::string_view> f;
  for (size_t start = 0;;) {
    size_t comma = text.find(',', start);
    f.push_back(text.substr(start, comma == std::string_view::npos ? comma : comma - start));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  if (f.size() != 14)
    return make_error(Errc::invalid, "chronyc tracking: expected 14 CSV fields, got {} in '{}'",
                      f.size(), text.substr(0, 80));
  static constexpr std::array<const char*, 14> kNames = {
      "reference id", "reference name",  "stratum",         "reference time", "system offset",
      "last offset",  "rms offset",      "frequency",       "residual freq",  "skew",
      "root delay",   "root dispersion", "update interval", "leap status"};
  std::array<double, 14> num{};
  for (size_t i = 2; i < 13; ++i) {
    auto v = to_double(f[i]);
    if (!v)
      return make_error(Errc::invalid, "chronyc tracking: field {} ({}) is not a number: '{}'",
                        i + 1, kNames[i], f[i]);
    num[i] = *v;
  }
  ChronyTracking t;
  t.ref_id = std::string(f[0]);
  t.ref_name = std::string(f[1]);
  t.stratum = static_cast<int>(num[2]);
  t.ref_time = num[3];
  t.offset_s = num[4];
  t.last_offset_s = num[5];
  t.rms_offset_s = num[6];
  t.freq_ppm = num[7];
  t.resid_freq_ppm = num[8];
  t.skew_ppm = num[9];
  t.root_delay_s = num[10];
  t.root_dispersion_s = num[11];
  t.update_interval_s = num[12];
  t.leap = std::string(f[13]);
  if (t.root_delay_s < 0 || t.root_dispersion_s < 0)
    return make_error(Errc::invalid, "chronyc tracking: negative root delay/dispersion");
  return t;
}

double chrony_bound_s(const ChronyTracking& t) {
  return std::abs(t.offset_s) + t.root_dispersion_s + t.root_delay_s / 2;
}

ClockSync sync_from_chrony(const ChronyTracking& t, double age_s) {
  ClockSync s;
  s.source = "chrony";
  std::string why;
  if (t.leap == "Not synchronised")
    why = "leap status 'Not synchronised'";
  else if (t.ref_id == "00000000" || t.stratum == 0)
    why = "no reference selected";
  else if (t.ref_id == "7F7F0101")
    why = "reference is chrony's own local clock (local stratum), not UTC";
  if (!why.empty()) {
    s.synchronised = false;
    s.uncertainty_s = kUnknownS;
    s.detail = "chrony unsynchronised: " + why;
    return s;
  }
  s.synchronised = true;
  const double drift = std::abs(t.skew_ppm) * 1e-6 * std::max(0.0, age_s);
  s.uncertainty_s = chrony_bound_s(t) + drift;
  s.detail = fmt::format(
      "chrony ref {} stratum {}: |offset| {:.6f} s + root dispersion {:.6f} s + root delay/2 "
      "{:.6f} s + skew over {:.1f} s {:.6f} s",
      t.ref_name, t.stratum, std::abs(t.offset_s), t.root_dispersion_s, t.root_delay_s / 2, age_s,
      drift);
  return s;
}

Result<TimexSample> read_timex() {
  struct timex tx {};
  tx.modes = 0;  // read only
  const int state = ntp_adjtime(&tx);
  if (state < 0) return make_error(Errc::io, "ntp_adjtime: {}", std::strerror(errno));
  return TimexSample{state, tx.status, tx.maxerror, tx.esterror};
}

}  // namespace tb::hal

namespace tb::hal {

ClockSync choose_sync(const std::optional<ChronyTracking>& chrony, double chrony_age_s,
                      const Result<TimexSample>& timex, const std::string& chrony_note) {
  if (chrony) return sync_from_chrony(*chrony, chrony_age_s);
  ClockSync s;
  if (timex) {
    s = sync_from_timex(*timex);
  } else {
    s.source = "adjtimex";
    s.synchronised = false;
    s.uncertainty_s = kTimexUnknownUs * 1e-6;
    s.detail = timex.error().message;
  }
  if (!chrony_note.empty()) s.detail += "; chronyc: " + chrony_note;
  return s;
}

}  // namespace tb::hal
