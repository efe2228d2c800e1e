#include <cmath>
#include <cstdlib>

#include "tetherbox/hal/libcamera/control_logic.hpp"

namespace tb::hal::libcamera_backend {

bool metadata_matches(const Commanded& c, const FrameMetadata& m, const MatchTolerance& tol) {
  if (!m.exposure_us || !m.gain) return false;
  const double exp_tol = std::max(tol.exposure_rel * c.exposure_us, double(tol.exposure_abs_us));
  if (std::abs(double(*m.exposure_us) - c.exposure_us) > exp_tol) return false;
  return std::fabs(double(*m.gain) - c.gain) <= tol.gain_rel * c.gain;
}

SettleMatcher::SettleMatcher(Commanded c, MatchTolerance tol, int max_frames)
    : c_(c), tol_(tol), max_frames_(max_frames) {}

SettleMatcher::Verdict SettleMatcher::feed(const FrameMetadata& m) {
  ++seen_;
  if (metadata_matches(c_, m, tol_)) {
    reason_.clear();
    return Verdict::accept;
  }
  if (!m.exposure_us || !m.gain) {
    reason_ = fmt::format("frame {} carried no ExposureTime/AnalogueGain metadata", m.sequence);
  } else {
    reason_ =
        fmt::format("frame {} reported {} us at gain {:.3f}", m.sequence, *m.exposure_us, *m.gain);
  }
  return seen_ >= max_frames_ ? Verdict::timeout : Verdict::skip;
}

Error SettleMatcher::timeout_error() const {
  return make_error(Errc::timeout,
                    "libcamera did not apply the commanded exposure ({} us, gain {:.3f}) within {} "
                    "frames; last: {}. Check that the shutter fits the sensor's range and that no "
                    "other process drives the camera",
                    c_.exposure_us, c_.gain, seen_, reason_.empty() ? "none" : reason_);
}

}  // namespace tb::hal::libcamera_backend
