#pragma once
// Small linear-algebra helpers for the export tests (independent of the code under test).
#include <array>
#include <cmath>

#include "tetherbox/capture/exports.hpp"

namespace tb::capture::test {

using Vec3 = std::array<double, 3>;
using Mat3 = std::array<std::array<double, 3>, 3>;

inline Mat3 rotation(const std::array<double, 16>& m) {
  Mat3 r{};
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) r[a][b] = m[a * 4 + b];
  return r;
}
inline Vec3 centre(const std::array<double, 16>& m) {
  return {m[3], m[7], m[11]};
}
inline double dot(const Vec3& a, const Vec3& b) {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}
inline double norm(const Vec3& a) {
  return std::sqrt(dot(a, a));
}
inline double det(const Mat3& r) {
  return r[0][0] * (r[1][1] * r[2][2] - r[1][2] * r[2][1]) -
         r[0][1] * (r[1][0] * r[2][2] - r[1][2] * r[2][0]) +
         r[0][2] * (r[1][0] * r[2][1] - r[1][1] * r[2][0]);
}
// Hamilton quaternion (w, x, y, z) to a rotation matrix, as COLMAP reads it.
inline Mat3 quat_to_matrix(const std::array<double, 4>& q) {
  const double w = q[0], x = q[1], y = q[2], z = q[3];
  return {{{1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)},
           {2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)},
           {2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)}}};
}
inline Vec3 to_camera(const ColmapPose& p, const Vec3& x) {
  const Mat3 r = quat_to_matrix(p.q);
  Vec3 out{};
  for (int a = 0; a < 3; ++a) out[a] = r[a][0] * x[0] + r[a][1] * x[1] + r[a][2] * x[2] + p.t[a];
  return out;
}
// Pixel (continuous, pixel centres at +0.5) of a world point through the COLMAP pose.
inline std::array<double, 2> project(const ColmapPose& p, const Intrinsics& k, const Vec3& x) {
  const Vec3 c = to_camera(p, x);
  return {k.fx * c[0] / c[2] + k.cx, k.fy * c[1] / c[2] + k.cy};
}

}  // namespace tb::capture::test
