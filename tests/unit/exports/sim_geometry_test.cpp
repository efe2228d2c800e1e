// The independent check: the sim camera's ray caster (hal/sim) renders the turntable scene, and
// 3D points projected through the exported intrinsics and poses must land where the renderer
// put them. Silhouette edges check distance, look-at height, elevation and the lens; texture
// seen from two turntable positions checks the direction of the azimuth (the object frame).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "exports_test_support.hpp"
#include "tetherbox/capture/exports.hpp"
#include "tetherbox/hal/sim/sim.hpp"

namespace tb::capture {
namespace {

using hal::sim::LinearImage;
using hal::sim::Renderer;
using hal::sim::RenderRequest;
using test::Vec3;

// The sim scene for a subject of radius R: height 2.2 R (see the sim's geometry_from).
constexpr double kR = 0.15;
constexpr double kH = 2.2 * kR;

config::Config scene(int w, int h) {
  config::Config cfg;
  cfg.camera.sim.width = w;
  cfg.camera.sim.height = h;
  cfg.camera.sim.seed = 11;
  cfg.orbit.subject_distance_m = 1.0;
  cfg.orbit.subject_radius_m = kR;
  cfg.lens = {50.0, 36.0, 24.0};
  return cfg;
}

// Ambient light only: every surface shows its albedo, whatever its normal, so a surface point
// has the same value from every view.
LinearImage render(const Renderer& r, double az, double el) {
  RenderRequest q;
  q.pose = hal::RigPose{az, el};
  q.exposure = hal::ExposureSettings{0.1, 8.0, 100, 0.0};
  q.noise = false;
  q.clip = false;
  return r.render(q);
}

// Pixels whose value differs between renders at several azimuths: the parts that turn (object
// and turntable); the wall and floor stay put.
std::vector<uint8_t> turning_mask(const std::vector<LinearImage>& imgs) {
  const auto& a = imgs.front();
  std::vector<uint8_t> m(static_cast<size_t>(a.width) * a.height, 0);
  for (size_t k = 1; k < imgs.size(); ++k)
    for (size_t i = 0; i < m.size(); ++i)
      for (int c = 0; c < 3; ++c)
        if (std::fabs(a.rgb[i * 3 + c] - imgs[k].rgb[i * 3 + c]) > 1e-4f) m[i] = 1;
  return m;
}

ExportCamera export_cam(const config::Config& cfg) {
  return export_camera_from(cfg, cfg.camera.sim.width, cfg.camera.sim.height);
}

// The subject's silhouette: the top edge at the axis column and, at elevation 0, the left and
// right edges at the row of the look-at point, measured in the render and predicted by
// projecting the rim points through the exported pose.
TEST(SimGeometry, SilhouetteEdgesLandWhereTheExportProjectsThem) {
  const auto cfg = scene(600, 400);
  const Renderer renderer(cfg);
  const ExportCamera cam = export_cam(cfg);
  const Intrinsics k = intrinsics(cam);
  for (double el : {0.0, 12.0, 30.0}) {
    std::vector<LinearImage> imgs;
    for (double az : {0.0, 97.0, 211.0}) imgs.push_back(render(renderer, az, el));
    const auto mask = turning_mask(imgs);
    const int w = cfg.camera.sim.width, h = cfg.camera.sim.height;

    // Pose at azimuth 0: the subject frame and the sim's world frame coincide.
    const ColmapPose pose = colmap_pose(0.0, el, cam);
    const Vec3 cam_centre = test::centre(camera_to_world(0.0, el, cam));
    // Top of the silhouette straight above the axis: the far rim when the cap is seen from
    // above, the near rim otherwise.
    const Vec3 rim{0.0, kH, cam_centre[1] > kH ? -kR : kR};
    const auto top = test::project(pose, k, rim);
    ASSERT_NEAR(top[0], w / 2.0, 1e-9);  // the axis projects to the middle column
    int top_row = -1;
    for (int y = 0; y < h && top_row < 0; ++y)
      if (mask[static_cast<size_t>(y) * w + w / 2]) top_row = y;
    ASSERT_GE(top_row, 0) << "no subject in the render at el " << el;
    // Pixel row y covers v in [y, y+1): the edge lies within half a pixel of the first
    // covered pixel's centre.
    EXPECT_NEAR(top_row + 0.5, top[1], 1.0) << "elevation " << el;
    RecordProperty("top_edge_el" + std::to_string(static_cast<int>(el)),
                   std::to_string(top_row + 0.5 - top[1]));

    if (el == 0.0) {
      // Tangent points of the cylinder seen from (0, *, D): x = +-R sqrt(1 - (R/D)^2),
      // z = R^2 / D, at the look-at height (the middle row).
      const double d = cam.distance_m;
      const double tx = kR * std::sqrt(1 - kR * kR / (d * d)), tz = kR * kR / d;
      const auto l = test::project(pose, k, {-tx, cam.look_at_height_m, tz});
      const auto r = test::project(pose, k, {tx, cam.look_at_height_m, tz});
      ASSERT_NEAR(l[1], h / 2.0, 1e-9);
      const int row = h / 2;
      int left = -1, right = -1;
      for (int x = 0; x < w; ++x)
        if (mask[static_cast<size_t>(row) * w + x]) {
          if (left < 0) left = x;
          right = x;
        }
      EXPECT_NEAR(left + 0.5, l[0], 1.0);
      EXPECT_NEAR(right + 0.5, r[0], 1.0);
      // Sanity: the subject is a sizeable part of the frame (the check is not vacuous).
      EXPECT_GT(right - left, w / 10);
    }
  }
}

// Bilinear value (luma) at a continuous pixel position (centres at +0.5), of an image blurred
// by a 5x5 box so texture finer than a pixel does not decide the comparison.
class Sampler {
 public:
  explicit Sampler(const LinearImage& img) : w_(img.width), h_(img.height), v_(img.rgb.size() / 3) {
    std::vector<double> l(v_.size());
    for (size_t i = 0; i < l.size(); ++i)
      l[i] = 0.2126 * img.rgb[i * 3] + 0.7152 * img.rgb[i * 3 + 1] + 0.0722 * img.rgb[i * 3 + 2];
    for (int y = 0; y < h_; ++y)
      for (int x = 0; x < w_; ++x) {
        double s = 0;
        int n = 0;
        for (int dy = -2; dy <= 2; ++dy)
          for (int dx = -2; dx <= 2; ++dx) {
            const int xx = x + dx, yy = y + dy;
            if (xx < 0 || yy < 0 || xx >= w_ || yy >= h_) continue;
            s += l[static_cast<size_t>(yy) * w_ + xx];
            ++n;
          }
        v_[static_cast<size_t>(y) * w_ + x] = s / n;
      }
  }
  double at(double u, double v) const {
    const double x = u - 0.5, y = v - 0.5;
    const int x0 = static_cast<int>(std::floor(x)), y0 = static_cast<int>(std::floor(y));
    if (x0 < 0 || y0 < 0 || x0 + 1 >= w_ || y0 + 1 >= h_)
      return std::numeric_limits<double>::quiet_NaN();
    const double fx = x - x0, fy = y - y0;
    auto g = [&](int xx, int yy) { return v_[static_cast<size_t>(yy) * w_ + xx]; };
    return (g(x0, y0) * (1 - fx) + g(x0 + 1, y0) * fx) * (1 - fy) +
           (g(x0, y0 + 1) * (1 - fx) + g(x0 + 1, y0 + 1) * fx) * fy;
  }

 private:
  int w_, h_;
  std::vector<double> v_;
};

// Surface points of the subject (object frame) seen, well away from the silhouette, by both
// cameras: cap points when both look from above, side points facing both.
std::vector<Vec3> shared_points(const Vec3& ca, const Vec3& cb) {
  std::vector<Vec3> pts;
  auto facing = [](const Vec3& p, const Vec3& n, const Vec3& c) {
    const Vec3 to{c[0] - p[0], c[1] - p[1], c[2] - p[2]};
    return test::dot(n, to) > 0.5 * test::norm(to);
  };
  for (int i = 0; i < 720; ++i) {
    const double phi = i * 2 * M_PI / 720;
    for (int j = 1; j < 12; ++j) {
      const Vec3 p{kR * std::sin(phi), kH * j / 12.0, kR * std::cos(phi)};
      const Vec3 n{std::sin(phi), 0, std::cos(phi)};
      if (facing(p, n, ca) && facing(p, n, cb)) pts.push_back(p);
    }
  }
  for (int i = -10; i <= 10; ++i)
    for (int j = -10; j <= 10; ++j) {
      const Vec3 p{kR * 0.08 * i, kH, kR * 0.08 * j};
      if (p[0] * p[0] + p[2] * p[2] > 0.7 * kR * kR) continue;
      if (facing(p, {0, 1, 0}, ca) && facing(p, {0, 1, 0}, cb)) pts.push_back(p);
    }
  return pts;
}

// Mean |a - b| / mean (a) over the points, with view B's projections shifted by (du, dv).
double mismatch(const Sampler& a, const ColmapPose& pa, const Sampler& b, const ColmapPose& pb,
                const Intrinsics& k, const std::vector<Vec3>& pts, double du = 0, double dv = 0) {
  double diff = 0, level = 0;
  int n = 0;
  for (const auto& p : pts) {
    const auto ua = test::project(pa, k, p), ub = test::project(pb, k, p);
    const double va = a.at(ua[0], ua[1]), vb = b.at(ub[0] + du, ub[1] + dv);
    if (std::isnan(va) || std::isnan(vb)) continue;
    diff += std::fabs(va - vb);
    level += va;
    ++n;
  }
  return n > 0 ? diff / level : std::numeric_limits<double>::infinity();
}

TEST(SimGeometry, SubjectTextureAgreesBetweenTwoTurntablePositions) {
  const auto cfg = scene(900, 600);
  const Renderer renderer(cfg);
  const ExportCamera cam = export_cam(cfg);
  const Intrinsics k = intrinsics(cam);
  struct View {
    double az, el;
  };
  for (const auto& [va, vb] :
       {std::pair{View{0, 30}, View{35, 15}}, std::pair{View{200, 10}, View{160, 25}}}) {
    const Sampler a(render(renderer, va.az, va.el)), b(render(renderer, vb.az, vb.el));
    const ColmapPose pa = colmap_pose(va.az, va.el, cam), pb = colmap_pose(vb.az, vb.el, cam);
    const auto pts = shared_points(test::centre(camera_to_world(va.az, va.el, cam)),
                                   test::centre(camera_to_world(vb.az, vb.el, cam)));
    ASSERT_GT(pts.size(), 500u);

    const double right = mismatch(a, pa, b, pb, k, pts);
    // The other reading of the turntable (camera at +az in the object frame) must be worse.
    const ColmapPose wa = colmap_pose(-va.az, va.el, cam), wb = colmap_pose(-vb.az, vb.el, cam);
    const double wrong = mismatch(a, wa, b, wb, k, pts);
    EXPECT_LT(right, 0.05) << va.az << "/" << vb.az;
    EXPECT_GT(wrong, 4 * right) << va.az << "/" << vb.az;

    // The best shift of view B's projections is within a pixel of none.
    double best = std::numeric_limits<double>::infinity();
    int bu = 99, bv = 99;
    for (int dv = -4; dv <= 4; ++dv)
      for (int du = -4; du <= 4; ++du) {
        const double m = mismatch(a, pa, b, pb, k, pts, du, dv);
        if (m < best) {
          best = m;
          bu = du;
          bv = dv;
        }
      }
    EXPECT_LE(std::abs(bu), 1) << va.az << "/" << vb.az;
    EXPECT_LE(std::abs(bv), 1) << va.az << "/" << vb.az;
    std::printf(
        "views az %.0f el %.0f / az %.0f el %.0f: %zu points, mismatch %.4f (wrong "
        "azimuth sense %.4f), best shift (%d, %d)\n",
        va.az, va.el, vb.az, vb.el, pts.size(), right, wrong, bu, bv);
  }
}

}  // namespace
}  // namespace tb::capture
