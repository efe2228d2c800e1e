#include <cmath>

#include "tetherbox/hal/libcamera/control_logic.hpp"

namespace tb::hal::libcamera_backend {
namespace {

using M3 = std::array<double, 9>;

M3 mul(const M3& a, const M3& b) {
  M3 r{};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 3; ++k) r[i * 3 + j] += a[i * 3 + k] * b[k * 3 + j];
  return r;
}

std::optional<M3> inverse(const M3& m) {
  const double det = m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) +
                     m[2] * (m[3] * m[7] - m[4] * m[6]);
  if (std::fabs(det) < 1e-12) return std::nullopt;
  const double d = 1.0 / det;
  return M3{(m[4] * m[8] - m[5] * m[7]) * d, (m[2] * m[7] - m[1] * m[8]) * d,
            (m[1] * m[5] - m[2] * m[4]) * d, (m[5] * m[6] - m[3] * m[8]) * d,
            (m[0] * m[8] - m[2] * m[6]) * d, (m[2] * m[3] - m[0] * m[5]) * d,
            (m[3] * m[7] - m[4] * m[6]) * d, (m[1] * m[6] - m[0] * m[7]) * d,
            (m[0] * m[4] - m[1] * m[3]) * d};
}

// Linear sRGB -> CIE XYZ, D65 white (IEC 61966-2-1).
constexpr M3 kSrgbToXyz = {0.4124564, 0.3575761, 0.1804375, 0.2126729, 0.7151522,
                           0.0721750, 0.0193339, 0.1191920, 0.9503041};

}  // namespace

Result<DngColour> dng_colour(const std::optional<std::array<float, 9>>& ccm,
                             const std::optional<std::array<float, 2>>& colour_gains) {
  M3 c = {1, 0, 0, 0, 1, 0, 0, 0, 1};
  if (ccm) std::copy(ccm->begin(), ccm->end(), c.begin());
  double gr = 1, gb = 1;
  if (colour_gains) {
    gr = (*colour_gains)[0];
    gb = (*colour_gains)[1];
  }
  if (!(gr > 0) || !(gb > 0))
    return make_error(Errc::invalid, "colour gains {} / {} are not positive", gr, gb);
  const M3 wb = {gr, 0, 0, 0, 1, 0, 0, 0, gb};
  auto inv = inverse(mul(kSrgbToXyz, mul(c, wb)));
  if (!inv) return make_error(Errc::invalid, "the colour correction matrix is singular");
  DngColour out;
  out.color_matrix1 = *inv;
  out.as_shot_neutral = {1.0 / gr, 1.0, 1.0 / gb};
  return out;
}

}  // namespace tb::hal::libcamera_backend
