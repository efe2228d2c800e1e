#include "tetherbox/capture/exposure.hpp"

#include <fmt/format.h>

#include <cmath>

namespace tb::capture {
namespace {

// A camera that does not report ISO gives 0; treat it as the EV100 reference so it drops out.
double iso_or_reference(int iso) {
  return iso > 0 ? static_cast<double>(iso) : 100.0;
}

// Conventional shutter markings (third and half stops) as cameras print them. A computed
// time such as 1/62.5 (1/125 bracketed +1 EV) is shown as the marking the body would show:
// fractions down to 1/4, then seconds (0.3", 0.5", 2", 30").
constexpr double kDenominators[] = {
    32000, 25600, 20000, 16000, 12800, 10000, 8000, 6400, 6000, 5000, 4000, 3200,
    3000,  2500,  2000,  1600,  1500,  1250,  1000, 800,  750,  640,  500,  400,
    350,   320,   250,   200,   180,   160,   125,  100,  90,   80,   60,   50,
    45,    40,    30,    25,    20,    15,    13,   10,   8,    6,    5,    4};
constexpr double kSeconds[] = {0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1,  1.3, 1.5, 1.6, 2,  2.5,
                               3,   3.2, 4,   5,   6,   8,   10, 13,  15,  20,  25, 30};

// Snapping tolerance: a marking is at most ~1/6 stop from its exact power of two.
constexpr double kSnapStops = 0.17;

std::string format_seconds(double s) {
  // 0.5 -> 0.5", 2 -> 2", 1.3 -> 1.3"
  double rounded = std::round(s * 10.0) / 10.0;
  return fmt::format("{:g}\"", rounded);
}

std::string format_aperture(double n) {
  return fmt::format("f/{:g}", std::round(n * 10.0) / 10.0);
}

std::string format_stops(double stops) {
  double r = std::round(stops * 10.0) / 10.0;
  if (r == 0.0) r = 0.0;  // no "-0.0"
  return fmt::format("{:+.1f} EV", r);
}

bool usable(double v) {
  return std::isfinite(v) && v > 0.0;
}

}  // namespace

double exposure_value(const hal::ExposureSettings& e) {
  return std::log2(e.aperture * e.aperture / e.shutter_s) -
         std::log2(iso_or_reference(e.iso) / 100.0);
}

double relative_brightness(const hal::ExposureSettings& e) {
  return e.shutter_s * iso_or_reference(e.iso) / (e.aperture * e.aperture);
}

hal::ExposureSettings apply_ev_offset(const hal::ExposureSettings& base, double ev_offset) {
  hal::ExposureSettings out = base;
  out.shutter_s = base.shutter_s * std::exp2(ev_offset);
  return out;
}

double stops_difference(const hal::ExposureSettings& commanded,
                        const hal::ExposureSettings& reported) {
  double stops = std::log2(reported.shutter_s / commanded.shutter_s) +
                 2.0 * std::log2(commanded.aperture / reported.aperture);
  // ISO counts only when both sides know it; a body that does not report ISO is not "off".
  if (commanded.iso > 0 && reported.iso > 0) {
    stops += std::log2(static_cast<double>(reported.iso) / commanded.iso);
  }
  return stops;
}

std::string format_shutter(double seconds) {
  if (!usable(seconds)) return fmt::format("{}s", seconds);
  // Pick the closest marking in stops; the tables are small enough to scan.
  double best_stops = kSnapStops + 1.0;
  std::string best;
  auto consider = [&](double marking_s, std::string label) {
    double d = std::fabs(std::log2(seconds / marking_s));
    if (d <= kSnapStops && d < best_stops) {
      best_stops = d;
      best = std::move(label);
    }
  };
  for (double den : kDenominators) consider(1.0 / den, fmt::format("1/{:g}", den));
  for (double s : kSeconds) consider(s, format_seconds(s));
  if (!best.empty()) return best;
  // Off the conventional scale (faster than 1/32000, slower than 30", or between markings
  // more than 1/6 stop away): print what it is.
  if (seconds < 0.3) return fmt::format("1/{:g}", std::round(1.0 / seconds));
  return format_seconds(seconds);
}

VerifyOutcome verify_exposure(const hal::ExposureSettings& commanded,
                              const hal::ExposureSettings& reported, double tolerance_ev) {
  VerifyOutcome out;
  // A hair of slack so a tolerance of exactly one third of a stop accepts a third-stop step.
  const double tol = std::fabs(tolerance_ev) + 1e-9;

  if (!usable(reported.shutter_s)) {
    out.mismatches.push_back(fmt::format("shutter not reported ({}), {} commanded",
                                         reported.shutter_s, format_shutter(commanded.shutter_s)));
  } else {
    double d = std::log2(reported.shutter_s / commanded.shutter_s);
    if (std::fabs(d) > tol) {
      out.mismatches.push_back(fmt::format("shutter {} reported, {} commanded ({})",
                                           format_shutter(reported.shutter_s),
                                           format_shutter(commanded.shutter_s), format_stops(d)));
    }
  }

  if (!usable(reported.aperture)) {
    out.mismatches.push_back(fmt::format("aperture not reported ({}), {} commanded",
                                         reported.aperture, format_aperture(commanded.aperture)));
  } else {
    double d = 2.0 * std::log2(commanded.aperture / reported.aperture);
    if (std::fabs(d) > tol) {
      out.mismatches.push_back(fmt::format("aperture {} reported, {} commanded ({})",
                                           format_aperture(reported.aperture),
                                           format_aperture(commanded.aperture), format_stops(d)));
    }
  }

  if (commanded.iso > 0 && reported.iso > 0) {
    double d = std::log2(static_cast<double>(reported.iso) / commanded.iso);
    if (std::fabs(d) > tol) {
      out.mismatches.push_back(fmt::format("ISO {} reported, {} commanded ({})", reported.iso,
                                           commanded.iso, format_stops(d)));
    }
  }

  out.ok = out.mismatches.empty();
  return out;
}

}  // namespace tb::capture
