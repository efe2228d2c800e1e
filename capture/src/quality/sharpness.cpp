#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "green_noise.hpp"

#include "tetherbox/capture/quality_sharpness.hpp"

namespace tb::capture::quality {

namespace {

// A photosite this close to the white level may be clipped (an edge next to it reads
// flattened); under the floor near black it is mostly noise in the log domain.
constexpr float kClipFraction = 0.95f;
constexpr float kFloorFraction = 1e-3f;
// The 4-neighbour Laplacian's weights squared (1 + 1 + 1 + 1 + 16): how much it amplifies
// independent noise.
constexpr double kLaplacianNoiseGain = 20;
// Fewer usable cells than this (a frame all black or all clipped) measure nothing.
constexpr size_t kMinCells = 64;

// log of the mean of each 2x2 block of green cells - both green sites, 8 photosites when the
// plane has v2 - or NaN where one of them is clipped. Averaging 8 photosites cuts the noise
// variance 8-fold, so what is left to subtract is a small correction, not most of the
// measure; blur that matters (several photosites) still shows.
struct LogBins {
  int w = 0, h = 0, per_bin = 0;
  std::vector<float> v;
};

LogBins log_bins(const Plane& p, float lo, float hi) {
  LogBins b;
  b.w = p.width / 2;
  b.h = p.height / 2;
  const bool two = p.v2.size() == p.v.size();
  b.per_bin = two ? 8 : 4;
  b.v.resize(static_cast<size_t>(b.w) * b.h);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  // Deep shadow is held at the floor (its noise goes flat, an edge into it still counts); a
  // clipped photosite makes the block NaN, which survives the sum.
  const auto use = [&](float a) { return a < hi ? std::max(a, lo) : nan; };
  const float scale = 1.0f / static_cast<float>(b.per_bin);
  for (int y = 0; y < b.h; ++y) {
    float* out = &b.v[static_cast<size_t>(y) * b.w];
    const size_t r0 = static_cast<size_t>(2 * y) * p.width, r1 = r0 + p.width;
    const float *a0 = &p.v[r0], *a1 = &p.v[r1];
    if (two) {
      const float *c0 = &p.v2[r0], *c1 = &p.v2[r1];
      for (int x = 0; x < b.w; ++x) {
        const int i = 2 * x;
        out[x] = use(a0[i]) + use(a0[i + 1]) + use(a1[i]) + use(a1[i + 1]) + use(c0[i]) +
                 use(c0[i + 1]) + use(c1[i]) + use(c1[i + 1]);
      }
    } else {
      for (int x = 0; x < b.w; ++x) {
        const int i = 2 * x;
        out[x] = use(a0[i]) + use(a0[i + 1]) + use(a1[i]) + use(a1[i + 1]);
      }
    }
    for (int x = 0; x < b.w; ++x) out[x] = std::log(out[x] * scale);
  }
  return b;
}

}  // namespace

std::optional<double> laplacian_sharpness(const Plane& p) {
  const int w = p.width, h = p.height;
  if (w < 6 || h < 6 || p.v.size() != static_cast<size_t>(w) * h) return std::nullopt;
  // A plane without a known white level (a test, another decoder) cannot say what clipped:
  // its brightest photosite sets the scale and nothing is left out at the top.
  const bool white_known = p.white > 0;
  const float white = white_known ? p.white : *std::max_element(p.v.begin(), p.v.end());
  if (!(white > 0)) return std::nullopt;
  const float lo = kFloorFraction * white;
  const float hi = white_known ? kClipFraction * white : std::numeric_limits<float>::infinity();
  const GreenNoise noise(p, white, lo, hi);
  const LogBins b = log_bins(p, lo, hi);
  const double noise_gain = kLaplacianNoiseGain / b.per_bin;

  const float log_lo = std::log(lo);
  double sum = 0;
  size_t n = 0, lit = 0;
  for (int y = 1; y + 1 < b.h; ++y) {
    const float* up = &b.v[static_cast<size_t>(y - 1) * b.w];
    const float* mid = up + b.w;
    const float* dn = mid + b.w;
    for (int x = 1; x + 1 < b.w; ++x) {
      const double l = static_cast<double>(mid[x - 1]) + mid[x + 1] + up[x] + dn[x] - 4.0 * mid[x];
      if (std::isnan(l)) continue;  // a clipped photosite in the stencil
      sum += l * l - noise_gain * noise.variance_at_log(mid[x]);
      ++n;
      lit += mid[x] > log_lo;
    }
  }
  if (lit < kMinCells) return std::nullopt;  // all clipped, or all black (a lens cap)
  return std::max(0.0, sum / static_cast<double>(n));
}

void SharpnessWatch::seed(const std::vector<FrameRecord>& done) {
  std::vector<const FrameRecord*> order;
  for (const auto& f : done)
    if (f.sharpness.measured && !f.sharpness.blurred) order.push_back(&f);
  std::sort(order.begin(), order.end(), [](auto* a, auto* b) { return a->seq < b->seq; });
  for (const auto* f : order) remember(f->position.light, f->sharpness.value);
}

void SharpnessWatch::remember(const std::string& light, double value) {
  auto& hist = sharp_[light];
  hist.push_back(value);
  if (hist.size() > kWindow) hist.erase(hist.begin());
}

std::optional<std::string> SharpnessWatch::check(const std::string& light, SharpnessRecord& rec) {
  if (!rec.measured) return std::nullopt;
  auto& hist = sharp_[light];
  if (hist.size() >= kMinHistory) {
    std::vector<double> sorted = hist;
    const auto mid = sorted.begin() + static_cast<std::ptrdiff_t>(sorted.size() / 2);
    std::nth_element(sorted.begin(), mid, sorted.end());
    rec.median = *mid;
    if (*mid > 0) rec.ratio = rec.value / *mid;
    rec.blurred = rec.ratio && *rec.ratio < min_ratio_;
  }
  if (!rec.blurred) {
    remember(light, rec.value);
    return std::nullopt;
  }
  return fmt::format(
      "blurred: sharpness {:.3g} is {:.0f}% of the running median {:.3g} of preset '{}' (limit "
      "quality.min_sharpness_ratio {:.0f}%)",
      rec.value, 100 * *rec.ratio, *rec.median, light, 100 * min_ratio_);
}

}  // namespace tb::capture::quality
