#include <algorithm>
#include <array>
#include <cmath>

#include "cfa_pattern.hpp"
#include "tetherbox/hal/dng/dng.hpp"

namespace tb::hal::dng {

Result<RgbImage> bayer_preview_rgb8(const BayerImage& img, int scale) {
  if (scale < 2 || scale % 2 != 0)
    return make_error(Errc::invalid, "preview scale must be even and >= 2, got {}", scale);
  if (img.width < scale || img.height < scale)
    return make_error(Errc::invalid, "image {}x{} is smaller than one preview block of {}",
                      img.width, img.height, scale);
  if (img.pixels.size() != static_cast<size_t>(img.width) * static_cast<size_t>(img.height))
    return make_error(Errc::invalid, "image has {} samples, expected {}x{}", img.pixels.size(),
                      img.width, img.height);
  auto cfa = detail::parse_cfa(img.cfa);
  TB_TRY(cfa);
  if (img.white_level <= img.black_level)
    return make_error(Errc::invalid, "white level {} must exceed black level {}", img.white_level,
                      img.black_level);

  // White balance from the as-shot neutral (camera RGB of a neutral surface): gain = 1/neutral,
  // scaled so the weakest channel has gain 1 and highlights clip rather than turn pink.
  std::array<double, 3> gain{};
  for (int c = 0; c < 3; ++c) {
    const double n = img.as_shot_neutral[c];
    gain[c] = n > 0 ? 1.0 / n : 1.0;
  }
  const double gmin = std::min({gain[0], gain[1], gain[2]});
  for (auto& g : gain) g /= gmin;

  // Gamma through a table: a handful of pow() calls instead of three per output pixel.
  constexpr int kLut = 4096;
  std::array<uint8_t, kLut> lut{};
  for (int i = 0; i < kLut; ++i)
    lut[i] = static_cast<uint8_t>(std::lround(255.0 * std::pow(i / double(kLut - 1), 1 / 2.2)));

  RgbImage out;
  out.width = img.width / scale;
  out.height = img.height / scale;
  out.rgb.resize(static_cast<size_t>(out.width) * out.height * 3);
  const double range = double(img.white_level) - img.black_level;
  const auto& colors = cfa->colors;  // colour of cell (0,0),(1,0),(0,1),(1,1)
  for (int oy = 0; oy < out.height; ++oy) {
    const uint16_t* r0 = img.pixels.data() + static_cast<size_t>(oy) * scale * img.width;
    const uint16_t* r1 = r0 + img.width;
    uint8_t* dst = out.rgb.data() + static_cast<size_t>(oy) * out.width * 3;
    for (int ox = 0; ox < out.width; ++ox) {
      const int x = ox * scale;
      const std::array<uint16_t, 4> cell = {r0[x], r0[x + 1], r1[x], r1[x + 1]};
      std::array<double, 3> sum{};
      std::array<int, 3> cnt{};
      for (int i = 0; i < 4; ++i) {
        sum[colors[i]] += std::max(0.0, double(cell[i]) - img.black_level);
        ++cnt[colors[i]];
      }
      for (int c = 0; c < 3; ++c) {
        const double v = cnt[c] ? sum[c] / cnt[c] / range * gain[c] : 0.0;
        dst[ox * 3 + c] = lut[static_cast<int>(std::clamp(v, 0.0, 1.0) * (kLut - 1))];
      }
    }
  }
  return out;
}

}  // namespace tb::hal::dng
