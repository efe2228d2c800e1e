#pragma once
// The noise of a RAW's green, measured from the frame itself: the two green sites of a Bayer
// cell see the same scene a photosite apart, so the spread of their log ratio is the noise
// (edges between them are few and a median ignores them). Per half-stop of brightness,
// because shot noise makes dark photosites noisier in the log domain than bright ones.
// Fed sample by sample while the RAW is read (SharpnessMeter picks the sites), finished once.
#include <array>
#include <cmath>
#include <vector>

namespace tb::capture::quality {

class GreenNoise {
 public:
  static constexpr int kBins = 40;  // half stops below the white level
  // lo, hi: the usable range (above the noise floor, below clipping). With no samples,
  // variance_at_log() is 0 everywhere.
  GreenNoise(float white, float lo, float hi);
  // A second-green site c and its four diagonal first-green neighbours (their mean cancels a
  // smooth gradient, so what remains of the difference is noise). Ignored unless all five are
  // in the usable range.
  void add(float c, const std::array<float, 4>& around);
  // After the last sample: the variance per level (a sparse level borrows its neighbour's).
  void finish();
  // The variance of log(v) of one photosite, given log(v).
  double variance_at_log(float log_v) const { return var_[static_cast<size_t>(bin_of_log(log_v))]; }

 private:
  int bin_of_log(float log_v) const {
    const int b = static_cast<int>(std::floor((log_white_ - log_v) * kHalfStopsPerE));
    return b < 0 ? 0 : b >= kBins ? kBins - 1 : b;
  }
  static constexpr float kHalfStopsPerE = 2.0f / 0.69314718f;
  float log_white_, lo_, hi_;
  std::array<std::vector<float>, kBins> diffs_;
  std::array<double, kBins> var_{};
};

}  // namespace tb::capture::quality
