#include "green_noise.hpp"

#include <algorithm>
#include <vector>

namespace tb::capture::quality {
namespace {

// Enough samples for a median to mean something; a sparser level borrows its neighbour's.
constexpr size_t kMinSamples = 64;

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

GreenNoise::GreenNoise(float white, float lo, float hi)
    : log_white_(std::log(white)), lo_(lo), hi_(hi) {}

void GreenNoise::add(float c, const std::array<float, 4>& around) {
  const auto in = [&](float v) { return v > lo_ && v < hi_; };
  if (!in(c)) return;
  float sum = 0;
  bool ok = true;
  for (float n : around) {
    ok = ok && in(n);
    sum += n;
  }
  // The neighbours' mean has a quarter of one photosite's variance: the difference has 1 + 1/4.
  if (ok) diffs_[static_cast<size_t>(bin_of_log(std::log(c)))].push_back(std::log(c / (sum / 4)));
}

void GreenNoise::finish() {
  std::array<bool, kBins> known{};
  for (size_t k = 0; k < kBins; ++k) {
    if (diffs_[k].size() < kMinSamples) continue;
    const double sd = robust_sd(diffs_[k]);
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
  for (auto& d : diffs_) std::vector<float>().swap(d);
}

}  // namespace tb::capture::quality
