#include "green_noise.hpp"

#include <algorithm>
#include <vector>

namespace tb::capture::quality {
namespace {

// Enough samples for a median to mean something; a sparser level borrows its neighbour's.
constexpr size_t kMinSamples = 64;
// A sample of the cells is plenty for a median per level and keeps a 24 MP frame cheap.
constexpr int kRowStep = 8;
constexpr int kColStep = 4;

// The median absolute deviation scaled to a standard deviation (Gaussian consistency).
double robust_sd(std::vector<float>& x) {
  const auto mid = x.begin() + static_cast<std::ptrdiff_t>(x.size() / 2);
  std::nth_element(x.begin(), mid, x.end());
  const float med = *mid;
  for (float& e : x) e = std::fabs(e - med);
  std::nth_element(x.begin(), mid, x.end());
  return 1.4826 * static_cast<double>(*mid);
}

}  // namespace

GreenNoise::GreenNoise(const Plane& p, float white, float lo, float hi)
    : log_white_(std::log(white)) {
  // The four diagonal neighbours of a second-green site are first-green sites: their mean
  // cancels a smooth gradient, so what remains of the difference is noise (and the few
  // edges, which the median ignores). Its variance is 1 + 1/4 of one photosite's.
  const bool diagonal = (p.v2_dx == 1 || p.v2_dx == -1) && (p.v2_dy == 1 || p.v2_dy == -1);
  if (p.v2.size() != p.v.size() || !diagonal || !(white > 0)) return;
  std::array<int, 2> ox{}, oy{};  // the neighbours' cells, relative to the site's own cell
  for (int s = 0; s < 2; ++s) {
    ox[s] = (p.v2_dx + (s == 0 ? -1 : 1)) / 2;
    oy[s] = (p.v2_dy + (s == 0 ? -1 : 1)) / 2;
  }
  std::array<std::vector<float>, kBins> diffs;
  const auto in = [&](float v) { return v > lo && v < hi; };
  for (int y = 1; y + 1 < p.height; y += kRowStep)
    for (int x = 1; x + 1 < p.width; x += kColStep) {
      const float c = p.v2[static_cast<size_t>(y) * p.width + x];
      if (!in(c)) continue;
      float sum = 0;
      bool ok = true;
      for (int sy = 0; sy < 2; ++sy)
        for (int sx = 0; sx < 2; ++sx) {
          const float n = p.v[static_cast<size_t>(y + oy[sy]) * p.width + x + ox[sx]];
          ok = ok && in(n);
          sum += n;
        }
      if (ok)
        diffs[static_cast<size_t>(bin_of_log(std::log(c)))].push_back(std::log(c / (sum / 4)));
    }
  std::array<bool, kBins> known{};
  for (size_t k = 0; k < kBins; ++k) {
    if (diffs[k].size() < kMinSamples) continue;
    const double sd = robust_sd(diffs[k]);
    var_[k] = sd * sd / 1.25;
    known[k] = true;
  }
  for (int k = 0; k < kBins; ++k) {
    if (known[static_cast<size_t>(k)]) continue;
    for (int r = 1; r < kBins; ++r) {
      if (k - r >= 0 && known[static_cast<size_t>(k - r)]) {
        var_[static_cast<size_t>(k)] = var_[static_cast<size_t>(k - r)];
        break;
      }
      if (k + r < kBins && known[static_cast<size_t>(k + r)]) {
        var_[static_cast<size_t>(k)] = var_[static_cast<size_t>(k + r)];
        break;
      }
    }
  }
}

}  // namespace tb::capture::quality
