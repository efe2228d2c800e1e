#include <fmt/format.h>

#include <algorithm>

#include "tetherbox/capture/quality_sharpness.hpp"

namespace tb::capture::quality {

std::optional<double> laplacian_sharpness(const Plane& p) {
  if (p.width < 3 || p.height < 3) return std::nullopt;
  const auto at = [&](int x, int y) {
    return static_cast<double>(p.v[static_cast<size_t>(y) * p.width + x]);
  };
  double sum = 0, sum2 = 0, mean = 0;
  size_t n = 0;
  for (float v : p.v) mean += v;
  mean /= static_cast<double>(p.v.size());
  if (!(mean > 0)) return std::nullopt;
  for (int y = 1; y + 1 < p.height; ++y)
    for (int x = 1; x + 1 < p.width; ++x) {
      const double l = at(x - 1, y) + at(x + 1, y) + at(x, y - 1) + at(x, y + 1) - 4 * at(x, y);
      sum += l;
      sum2 += l * l;
      ++n;
    }
  const double m = sum / static_cast<double>(n);
  return (sum2 / static_cast<double>(n) - m * m) / (mean * mean);
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
