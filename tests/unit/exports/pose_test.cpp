// Pose maths: rotations are proper, cameras sit where the rig puts them and look at the
// look-at point, and COLMAP's world-to-camera is the inverse of Nerfstudio's camera-to-world.
#include <gtest/gtest.h>

#include <cmath>

#include "exports_test_support.hpp"
#include "tetherbox/capture/exports.hpp"

namespace tb::capture {
namespace {

using test::Mat3;
using test::Vec3;

ExportCamera rig() {
  ExportCamera c;
  c.width = 1536;
  c.height = 1024;
  c.distance_m = 1.2;
  c.look_at_height_m = 0.165;
  return c;
}

const double kAz[] = {0, 10, 45, 90, 137.5, 180, 270, 359};
const double kEl[] = {-20, 0, 15, 30, 60, 89};

TEST(Pose, RotationIsOrthonormalWithDeterminantOne) {
  for (double az : kAz)
    for (double el : kEl) {
      const Mat3 r = test::rotation(camera_to_world(az, el, rig()));
      for (int a = 0; a < 3; ++a)
        for (int b = 0; b < 3; ++b) {
          double d = 0;
          for (int k = 0; k < 3; ++k) d += r[k][a] * r[k][b];
          EXPECT_NEAR(d, a == b ? 1.0 : 0.0, 1e-12) << az << " " << el;
        }
      EXPECT_NEAR(test::det(r), 1.0, 1e-12);
    }
}

TEST(Pose, BottomRowIsHomogeneous) {
  const auto m = camera_to_world(33, 20, rig());
  EXPECT_EQ(m[12], 0.0);
  EXPECT_EQ(m[13], 0.0);
  EXPECT_EQ(m[14], 0.0);
  EXPECT_EQ(m[15], 1.0);
}

TEST(Pose, CentreAtDistanceAndHeight) {
  const auto cam = rig();
  for (double az : kAz)
    for (double el : kEl) {
      const Vec3 c = test::centre(camera_to_world(az, el, cam));
      const Vec3 rel{c[0], c[1] - cam.look_at_height_m, c[2]};
      EXPECT_NEAR(test::norm(rel), cam.distance_m, 1e-12);
      EXPECT_NEAR(c[1], cam.look_at_height_m + cam.distance_m * std::sin(el * M_PI / 180), 1e-12);
      // Horizontal radius from the turntable axis.
      EXPECT_NEAR(std::hypot(c[0], c[2]), cam.distance_m * std::cos(el * M_PI / 180), 1e-12);
    }
}

TEST(Pose, AzimuthZeroElevationZeroLooksDownMinusZAtTheLookAtPoint) {
  const auto cam = rig();
  const auto m = camera_to_world(0, 0, cam);
  const Vec3 c = test::centre(m);
  EXPECT_NEAR(c[0], 0, 1e-15);
  EXPECT_NEAR(c[1], cam.look_at_height_m, 1e-15);
  EXPECT_NEAR(c[2], cam.distance_m, 1e-15);
  const Mat3 r = test::rotation(m);
  // OpenGL: the camera looks down its -z column; x right is world +x, y up is world +y.
  EXPECT_NEAR(-r[2][2], -1.0, 1e-15);
  EXPECT_NEAR(r[0][0], 1.0, 1e-15);
  EXPECT_NEAR(r[1][1], 1.0, 1e-15);
}

TEST(Pose, SubjectTurnedByPlusAzimuthMeansCameraAtMinusAzimuth) {
  // Turning the subject by +90 (from +z towards +x) brings its -x side to face the camera.
  const Vec3 c = test::centre(camera_to_world(90, 0, rig()));
  EXPECT_NEAR(c[0], -rig().distance_m, 1e-12);
  EXPECT_NEAR(c[2], 0, 1e-12);
}

TEST(Pose, OpticalAxisPassesThroughTheLookAtPoint) {
  const auto cam = rig();
  for (double az : kAz)
    for (double el : kEl) {
      const auto m = camera_to_world(az, el, cam);
      const Vec3 c = test::centre(m);
      const Mat3 r = test::rotation(m);
      const Vec3 fwd{-r[0][2], -r[1][2], -r[2][2]};
      const Vec3 to{0 - c[0], cam.look_at_height_m - c[1], 0 - c[2]};
      const double along = test::dot(fwd, to);
      EXPECT_NEAR(along, cam.distance_m, 1e-12);
      const Vec3 off{to[0] - along * fwd[0], to[1] - along * fwd[1], to[2] - along * fwd[2]};
      EXPECT_LT(test::norm(off), 1e-12);
      // Camera "up" never points below the horizon for |el| < 90: the image is upright.
      EXPECT_GT(r[1][1], 0.0);
      // And the camera's x axis stays horizontal (no roll).
      EXPECT_NEAR(r[1][0], 0.0, 1e-15);
    }
}

TEST(Pose, ColmapPoseIsTheOpenCvInverseOfCameraToWorld) {
  const auto cam = rig();
  for (double az : kAz)
    for (double el : kEl) {
      const auto m = camera_to_world(az, el, cam);
      const auto p = colmap_pose(az, el, cam);
      EXPECT_GE(p.q[0], 0.0);
      EXPECT_NEAR(p.q[0] * p.q[0] + p.q[1] * p.q[1] + p.q[2] * p.q[2] + p.q[3] * p.q[3], 1.0,
                  1e-12);
      const Mat3 rw2c = test::quat_to_matrix(p.q);
      // World-to-camera (OpenCV) composed with camera-to-world (OpenGL) and the axis flip
      // diag(1,-1,-1) must be the identity; and t = -R C.
      const Mat3 rc2w = test::rotation(m);
      for (int a = 0; a < 3; ++a)
        for (int b = 0; b < 3; ++b) {
          double v = 0;
          for (int k = 0; k < 3; ++k) v += rw2c[a][k] * rc2w[k][b];
          const double flip = b == 0 ? 1.0 : -1.0;
          EXPECT_NEAR(v, a == b ? flip : 0.0, 1e-12) << az << " " << el;
        }
      const Vec3 c = test::centre(m);
      for (int a = 0; a < 3; ++a) {
        double v = 0;
        for (int k = 0; k < 3; ++k) v += rw2c[a][k] * c[k];
        EXPECT_NEAR(p.t[a], -v, 1e-12);
      }
      // The look-at point is straight ahead (+z in OpenCV) at the rig distance.
      const Vec3 x = test::to_camera(p, {0, cam.look_at_height_m, 0});
      EXPECT_NEAR(x[0], 0, 1e-12);
      EXPECT_NEAR(x[1], 0, 1e-12);
      EXPECT_NEAR(x[2], cam.distance_m, 1e-12);
    }
}

TEST(Pose, IntrinsicsFromLensAndImageSize) {
  ExportCamera cam = rig();
  cam.focal_length_mm = 35;
  cam.sensor_width_mm = 23.5;
  cam.sensor_height_mm = 15.6;
  cam.width = 6000;
  cam.height = 4000;
  const Intrinsics k = intrinsics(cam);
  EXPECT_NEAR(k.fx, 35.0 * 6000 / 23.5, 1e-9);
  EXPECT_NEAR(k.fy, 35.0 * 4000 / 15.6, 1e-9);
  EXPECT_DOUBLE_EQ(k.cx, 3000.0);
  EXPECT_DOUBLE_EQ(k.cy, 2000.0);
}

TEST(Pose, ExportCameraFromConfigMirrorsTheRig) {
  config::Config cfg;
  cfg.orbit.subject_distance_m = 0.8;
  cfg.orbit.subject_radius_m = 0.1;
  cfg.lens.focal_length_mm = 24;
  const auto c = export_camera_from(cfg, 640, 480);
  EXPECT_EQ(c.width, 640);
  EXPECT_EQ(c.height, 480);
  EXPECT_DOUBLE_EQ(c.distance_m, 0.8);
  EXPECT_NEAR(c.look_at_height_m, 0.11, 1e-12);
  EXPECT_DOUBLE_EQ(c.focal_length_mm, 24.0);
}

}  // namespace
}  // namespace tb::capture
