#include "preview_image.hpp"

#include <algorithm>
#include <cmath>

namespace tb::capture::previewimg {

std::pair<int, int> fit_size(int width, int height, int max_size) {
  const int longest = std::max(width, height);
  if (longest <= max_size) return {width, height};
  const double s = static_cast<double>(max_size) / longest;
  const int w = width >= height ? max_size : std::max(1, static_cast<int>(std::lround(width * s)));
  const int h = height > width ? max_size : std::max(1, static_cast<int>(std::lround(height * s)));
  return {w, h};
}

namespace {

// For one axis: which source samples cover output sample o, and with what weight.
struct Tap {
  int src;
  float weight;
};

std::vector<std::vector<Tap>> area_taps(int src_n, int dst_n) {
  std::vector<std::vector<Tap>> taps(dst_n);
  const double scale = static_cast<double>(src_n) / dst_n;
  for (int o = 0; o < dst_n; ++o) {
    const double a = o * scale, b = (o + 1) * scale;
    const int first = static_cast<int>(std::floor(a));
    const int last = std::min(src_n - 1, static_cast<int>(std::ceil(b)) - 1);
    for (int s = first; s <= last; ++s) {
      const double overlap = std::min<double>(b, s + 1) - std::max<double>(a, s);
      if (overlap > 0) taps[o].push_back({s, static_cast<float>(overlap / scale)});
    }
  }
  return taps;
}

}  // namespace

std::vector<uint8_t> downscale_area(std::span<const uint8_t> rgb, int width, int height, int dst_w,
                                    int dst_h) {
  const auto xt = area_taps(width, dst_w);
  const auto yt = area_taps(height, dst_h);
  // Which output rows each source row feeds (at most a couple when shrinking), so rows are
  // streamed once and only the output-sized accumulator is kept in memory.
  std::vector<std::vector<std::pair<int, float>>> row_to_out(height);
  for (int oy = 0; oy < dst_h; ++oy)
    for (const auto& t : yt[oy]) row_to_out[t.src].push_back({oy, t.weight});

  std::vector<float> acc(static_cast<size_t>(dst_w) * dst_h * 3, 0.0f);
  std::vector<float> row(static_cast<size_t>(dst_w) * 3);
  for (int y = 0; y < height; ++y) {
    if (row_to_out[y].empty()) continue;
    const uint8_t* src = rgb.data() + static_cast<size_t>(y) * width * 3;
    for (int ox = 0; ox < dst_w; ++ox) {
      float r = 0, g = 0, b = 0;
      for (const auto& t : xt[ox]) {
        const uint8_t* p = src + static_cast<size_t>(t.src) * 3;
        r += t.weight * p[0];
        g += t.weight * p[1];
        b += t.weight * p[2];
      }
      row[ox * 3] = r;
      row[ox * 3 + 1] = g;
      row[ox * 3 + 2] = b;
    }
    for (const auto& [oy, wy] : row_to_out[y]) {
      float* out = acc.data() + static_cast<size_t>(oy) * dst_w * 3;
      for (size_t i = 0; i < row.size(); ++i) out[i] += wy * row[i];
    }
  }
  std::vector<uint8_t> out(acc.size());
  // Round half up by adding 0.5 and truncating (the sums are never negative): the same result
  // as lround here, without a libm call per sample, which cost as much as the resampling.
  for (size_t i = 0; i < acc.size(); ++i)
    out[i] = static_cast<uint8_t>(std::clamp(acc[i] + 0.5f, 0.0f, 255.0f));
  return out;
}

Histogram measure(std::span<const uint8_t> rgb, int width, int height) {
  Histogram h;
  const size_t n = static_cast<size_t>(width) * height;
  if (n == 0) return h;
  size_t high = 0, low = 0;
  double luma = 0;
  for (size_t i = 0; i < n; ++i) {
    const uint8_t r = rgb[i * 3], g = rgb[i * 3 + 1], b = rgb[i * 3 + 2];
    if (r >= 250 || g >= 250 || b >= 250) ++high;
    if (r <= 5 && g <= 5 && b <= 5) ++low;
    luma += 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }
  h.clipped_high = static_cast<double>(high) / n;
  h.clipped_low = static_cast<double>(low) / n;
  h.mean = luma / (255.0 * n);
  h.measured = true;  // an empty image above stays unmeasured, never "0 % clipped"
  return h;
}

}  // namespace tb::capture::previewimg
