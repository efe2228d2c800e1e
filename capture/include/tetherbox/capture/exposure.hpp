#pragma once
// Exposure maths and per-frame verification. Brackets change shutter time only (aperture is
// depth of field and stays; ISO is noise and stays), the way photogrammetry rigs bracket.
#include <string>
#include <vector>

#include "tetherbox/common/result.hpp"
#include "tetherbox/hal/camera.hpp"

namespace tb::capture {

// EV100-style exposure value: log2(N^2 / t) - log2(ISO/100). Higher = darker image.
double exposure_value(const hal::ExposureSettings& e);
// Relative image brightness ∝ t * ISO / N^2 (the sim camera's physics uses the same law).
double relative_brightness(const hal::ExposureSettings& e);
// Applies an EV offset (+1 = one stop brighter) by scaling the shutter time.
hal::ExposureSettings apply_ev_offset(const hal::ExposureSettings& base, double ev_offset);
// Difference in stops between what was reported and what was commanded (+ = brighter).
double stops_difference(const hal::ExposureSettings& commanded,
                        const hal::ExposureSettings& reported);
// "1/125", "1/8000", "2\"", "0.5\"" — the conventional display of a shutter time.
std::string format_shutter(double seconds);

struct VerifyOutcome {
  bool ok = true;
  std::vector<std::string> mismatches;  // "shutter 1/60 reported, 1/125 commanded (+1.0 EV)"
};
// Compares each of shutter, aperture and ISO (ISO only when both are non-zero) within
// tolerance_ev stops.
VerifyOutcome verify_exposure(const hal::ExposureSettings& commanded,
                              const hal::ExposureSettings& reported, double tolerance_ev);

}  // namespace tb::capture
