// Poses of a turntable rig in the subject's frame. See exports.hpp for the frame; the sim
// camera (hal/sim/src/render.cpp) is the reference for every convention here.
#include <algorithm>
#include <cmath>

#include "tetherbox/capture/exports.hpp"

namespace tb::capture {
namespace {

constexpr double kPi = 3.14159265358979323846;

double rad(double deg) {
  return deg * kPi / 180.0;
}

// Rotation matrix (row-major 3x3) to a unit quaternion (w, x, y, z) with w >= 0. Branches on
// the largest diagonal term so no division is by a small number.
std::array<double, 4> quaternion_from(const std::array<double, 9>& m) {
  const double tr = m[0] + m[4] + m[8];
  std::array<double, 4> q{};
  if (tr > 0) {
    const double s = std::sqrt(tr + 1.0) * 2.0;
    q = {0.25 * s, (m[7] - m[5]) / s, (m[2] - m[6]) / s, (m[3] - m[1]) / s};
  } else if (m[0] > m[4] && m[0] > m[8]) {
    const double s = std::sqrt(1.0 + m[0] - m[4] - m[8]) * 2.0;
    q = {(m[7] - m[5]) / s, 0.25 * s, (m[1] + m[3]) / s, (m[2] + m[6]) / s};
  } else if (m[4] > m[8]) {
    const double s = std::sqrt(1.0 + m[4] - m[0] - m[8]) * 2.0;
    q = {(m[2] - m[6]) / s, (m[1] + m[3]) / s, 0.25 * s, (m[5] + m[7]) / s};
  } else {
    const double s = std::sqrt(1.0 + m[8] - m[0] - m[4]) * 2.0;
    q = {(m[3] - m[1]) / s, (m[2] + m[6]) / s, (m[5] + m[7]) / s, 0.25 * s};
  }
  const double n = std::sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]);
  const double sign = q[0] < 0 ? -1.0 : 1.0;
  for (double& v : q) v *= sign / n;
  return q;
}

}  // namespace

Intrinsics intrinsics(const ExportCamera& cam) {
  // The sim casts the ray of pixel (i, j) through the sensor point
  // ((i+.5)/w - .5) * sensor_w, (.5 - (j+.5)/h) * sensor_h at focal distance f.
  Intrinsics k;
  k.fx = cam.focal_length_mm * cam.width / cam.sensor_width_mm;
  k.fy = cam.focal_length_mm * cam.height / cam.sensor_height_mm;
  k.cx = cam.width / 2.0;
  k.cy = cam.height / 2.0;
  return k;
}

ExportCamera export_camera_from(const config::Config& cfg, int width, int height) {
  ExportCamera c;
  c.width = width;
  c.height = height;
  c.focal_length_mm = cfg.lens.focal_length_mm;
  c.sensor_width_mm = cfg.lens.sensor_width_mm;
  c.sensor_height_mm = cfg.lens.sensor_height_mm;
  c.distance_m = cfg.orbit.subject_distance_m;
  const double r = cfg.orbit.subject_radius_m > 0 ? cfg.orbit.subject_radius_m : 0.15;
  c.look_at_height_m = 1.1 * r;
  return c;
}

std::array<double, 16> camera_to_world(double azimuth_deg, double elevation_deg,
                                       const ExportCamera& cam) {
  const double el = rad(elevation_deg), az = rad(azimuth_deg);
  const double se = std::sin(el), ce = std::cos(el);
  // In the rig's fixed frame the camera never moves: right (1,0,0), up (0,ce,-se), back
  // (0,se,ce) (it looks down -back), centre (0, h + d se, d ce).
  const std::array<double, 9> rig = {1, 0,   0,   //
                                     0, ce,  se,  //
                                     0, -se, ce};
  const std::array<double, 3> centre = {0, cam.look_at_height_m + cam.distance_m * se,
                                        cam.distance_m * ce};
  // The subject turned by +az about +y; its frame sees the rig turned by -az: Ry(-az).
  const double c = std::cos(az), s = std::sin(az);
  const std::array<double, 9> ry = {c, 0, -s,  //
                                    0, 1, 0,   //
                                    s, 0, c};
  std::array<double, 16> m{};
  for (int r = 0; r < 3; ++r) {
    for (int k = 0; k < 3; ++k) {
      double v = 0;
      for (int j = 0; j < 3; ++j) v += ry[r * 3 + j] * rig[j * 3 + k];
      m[r * 4 + k] = v;
    }
    double t = 0;
    for (int j = 0; j < 3; ++j) t += ry[r * 3 + j] * centre[j];
    m[r * 4 + 3] = t;
  }
  m[15] = 1.0;
  return m;
}

ColmapPose colmap_pose(double azimuth_deg, double elevation_deg, const ExportCamera& cam) {
  const auto m = camera_to_world(azimuth_deg, elevation_deg, cam);
  // OpenGL -> OpenCV camera axes: flip y and z (columns 1 and 2), then invert.
  std::array<double, 9> w2c{};
  for (int r = 0; r < 3; ++r)
    for (int k = 0; k < 3; ++k) {
      const double flip = k == 0 ? 1.0 : -1.0;
      w2c[k * 3 + r] = m[r * 4 + k] * flip;  // transpose of the camera-to-world rotation
    }
  ColmapPose p;
  p.q = quaternion_from(w2c);
  for (int r = 0; r < 3; ++r) {
    double t = 0;
    for (int j = 0; j < 3; ++j) t += w2c[r * 3 + j] * m[j * 4 + 3];
    p.t[static_cast<size_t>(r)] = -t;
  }
  return p;
}

}  // namespace tb::capture
