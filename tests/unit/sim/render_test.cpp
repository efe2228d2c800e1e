// The sim camera's renderer: exposure law, clipping, light colour, and real geometry between
// neighbouring turntable positions.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "sim_test_support.hpp"
#include "tetherbox/hal/sim/sim.hpp"

namespace tb::hal::sim {
namespace {

using test::small_config;

RenderRequest request(double az, std::set<std::string> lights = {"key"}) {
  RenderRequest r;
  r.pose = RigPose{az, 0.0};
  r.lights_on = std::move(lights);
  r.exposure = ExposureSettings{1.0 / 125.0, 8.0, 100, 0.0};
  return r;
}

double luma(const LinearImage& img, int x, int y) {
  const float* p = &img.rgb[(static_cast<size_t>(y) * img.width + x) * 3];
  return 0.2126 * p[0] + 0.7152 * p[1] + 0.0722 * p[2];
}

// Mean of each channel over a centred box covering the front of the object.
std::array<double, 3> centre_means(const LinearImage& img, int half) {
  std::array<double, 3> s{0, 0, 0};
  int n = 0;
  for (int y = img.height / 2 - half; y < img.height / 2 + half; ++y)
    for (int x = img.width / 2 - half; x < img.width / 2 + half; ++x, ++n)
      for (int c = 0; c < 3; ++c) s[c] += img.rgb[(static_cast<size_t>(y) * img.width + x) * 3 + c];
  for (double& v : s) v /= n;
  return s;
}

double mean_abs_diff(const LinearImage& a, const LinearImage& b) {
  double s = 0;
  for (size_t i = 0; i < a.rgb.size(); ++i) s += std::fabs(a.rgb[i] - b.rgb[i]);
  return s / static_cast<double>(a.rgb.size());
}

// Normalised cross-correlation of a square luma patch at (ax, ay) in `a` and (bx, by) in `b`.
double ncc(const LinearImage& a, int ax, int ay, const LinearImage& b, int bx, int by, int half) {
  double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
  int n = 0;
  for (int dy = -half; dy < half; ++dy)
    for (int dx = -half; dx < half; ++dx, ++n) {
      const double va = luma(a, ax + dx, ay + dy), vb = luma(b, bx + dx, by + dy);
      sa += va;
      sb += vb;
      saa += va * va;
      sbb += vb * vb;
      sab += va * vb;
    }
  const double cov = sab - sa * sb / n, va = saa - sa * sa / n, vb = sbb - sb * sb / n;
  return cov / std::sqrt(va * vb + 1e-30);
}

TEST(SimRender, DoublingShutterDoublesLinearMeanWhenUnclipped) {
  Renderer r(small_config());
  auto a = request(0), b = request(0);
  a.exposure.shutter_s = 1.0 / 250.0;
  b.exposure.shutter_s = 1.0 / 125.0;
  const LinearImage ia = r.render(a), ib = r.render(b);
  ASSERT_LT(*std::max_element(ib.rgb.begin(), ib.rgb.end()), 1.0f) << "test premise: unclipped";
  EXPECT_NEAR(ib.mean() / ia.mean(), 2.0, 0.1);
}

TEST(SimRender, IsoAndApertureFollowTheExposureLaw) {
  Renderer r(small_config());
  auto base = request(0), iso = request(0), wide = request(0);
  iso.exposure.iso = 200;
  wide.exposure.aperture = 5.6;  // (8 / 5.6)^2 = 2.04
  const double m = r.render(base).mean();
  EXPECT_NEAR(r.render(iso).mean() / m, 2.0, 0.1);
  EXPECT_NEAR(r.render(wide).mean() / m, (8.0 / 5.6) * (8.0 / 5.6), 0.1);
  EXPECT_NEAR(exposure_gain(iso.exposure) / exposure_gain(base.exposure), 2.0, 1e-12);
}

TEST(SimRender, ReferenceExposureWithKeyLightIsMidGrey) {
  Renderer r(small_config());
  const auto m = centre_means(r.render(request(0)), 30);
  const double y = 0.2126 * m[0] + 0.7152 * m[1] + 0.0722 * m[2];
  EXPECT_GT(y, 0.10);
  EXPECT_LT(y, 0.30);
}

TEST(SimRender, HighlightsClipAtOne) {
  Renderer r(small_config());
  auto req = request(0);
  req.exposure.shutter_s = 0.5;  // six stops over
  const LinearImage img = r.render(req);
  const auto clipped = std::count(img.rgb.begin(), img.rgb.end(), 1.0f);
  EXPECT_EQ(*std::max_element(img.rgb.begin(), img.rgb.end()), 1.0f);
  EXPECT_GT(static_cast<double>(clipped) / static_cast<double>(img.rgb.size()), 0.5);
  req.clip = false;
  const LinearImage raw = r.render(req);
  EXPECT_GT(*std::max_element(raw.rgb.begin(), raw.rgb.end()), 1.5f);
}

TEST(SimRender, ColourTemperatureTintsTheSubject) {
  Renderer r(small_config());
  const auto warm = centre_means(r.render(request(0, {"warm"})), 30);
  const auto cool = centre_means(r.render(request(0, {"cool"})), 30);
  const double warm_rb = warm[0] / warm[2], cool_rb = cool[0] / cool[2];
  EXPECT_GT(warm_rb, 1.5 * cool_rb) << "warm R/B " << warm_rb << ", cool R/B " << cool_rb;
  const auto k3000 = blackbody_rgb(3000), k9000 = blackbody_rgb(9000), k6500 = blackbody_rgb(6500);
  EXPECT_GT(k3000[0], k3000[2]);
  EXPECT_LT(k9000[0], k9000[2]);
  EXPECT_NEAR(k6500[0], k6500[2], 1e-9);
}

TEST(SimRender, LightsAddLight) {
  Renderer r(small_config());
  const double dark = r.render(request(0, {})).mean();
  const double key = r.render(request(0, {"key"})).mean();
  const double both = r.render(request(0, {"key", "rim"})).mean();
  EXPECT_GT(key, 1.5 * dark);
  EXPECT_GT(both, key);
}

TEST(SimRender, NoTurnKeepsTheImageATenDegreeTurnChangesIt) {
  Renderer r(small_config());
  auto a = request(0), same = request(0), turned = request(10);
  a.noise = same.noise = turned.noise = false;
  const LinearImage ia = r.render(a);
  EXPECT_EQ(ia.rgb, r.render(same).rgb);
  EXPECT_GT(mean_abs_diff(ia, r.render(turned)), 0.005);
}

TEST(SimRender, NeighbouringAzimuthsShareContentShiftedByTheGeometry) {
  auto cfg = small_config(480, 320);
  Renderer r(cfg);
  const LinearImage a = r.render(request(0)), b = r.render(request(10));
  const int cx = a.width / 2, cy = a.height / 2, half = 20;
  int best_shift = 0;
  double best = -2;
  for (int s = -45; s <= 45; ++s) {
    const double v = ncc(a, cx, cy, b, cx + s, cy, half);
    if (v > best) {
      best = v;
      best_shift = s;
    }
  }
  // The front of the cylinder turns towards the camera's right by R sin(10 deg) at D - R.
  const double f_px = cfg.lens.focal_length_mm / cfg.lens.sensor_width_mm * a.width;
  const double R = cfg.orbit.subject_radius_m, D = cfg.orbit.subject_distance_m;
  const double expected = f_px * R * std::sin(10.0 * M_PI / 180.0) / (D - R);
  EXPECT_GT(best, 0.85);
  EXPECT_NEAR(best_shift, expected, 0.25 * expected);
  EXPECT_LT(ncc(a, cx, cy, b, cx, cy, half), best - 0.2) << "content must really move";
}

TEST(SimRender, ElevationChangesTheView) {
  Renderer r(small_config());
  auto low = request(0), high = request(0);
  low.noise = high.noise = false;
  high.pose.elevation_deg = 35;
  EXPECT_GT(mean_abs_diff(r.render(low), r.render(high)), 0.01);
}

TEST(SimRender, SameSeedSameImageOtherSeedOtherImage) {
  auto cfg = small_config();
  Renderer a(cfg), b(cfg);
  EXPECT_EQ(a.render(request(30)).rgb, b.render(request(30)).rgb);
  cfg.camera.sim.seed = 8;
  Renderer c(cfg);
  EXPECT_GT(mean_abs_diff(a.render(request(30)), c.render(request(30))), 0.01);
}

TEST(SimRender, NoiseIsSmallAndVariesPerFrame) {
  Renderer r(small_config());
  auto f0 = request(0), f1 = request(0);
  f1.frame_index = 1;
  const double d = mean_abs_diff(r.render(f0), r.render(f1));
  EXPECT_GT(d, 0.0);
  EXPECT_LT(d, 0.01);
}

TEST(SimRender, DustDarkensFixedSmallSpots) {
  auto cfg = small_config();
  Renderer clean(cfg);
  cfg.camera.sim.dust = true;
  Renderer dusty(cfg);
  auto req = request(0);
  req.noise = false;
  const LinearImage a = clean.render(req), b = dusty.render(req);
  double min_ratio = 1;
  size_t darker = 0;
  for (size_t i = 0; i < a.rgb.size(); ++i) {
    if (a.rgb[i] <= 0) continue;
    const double ratio = b.rgb[i] / a.rgb[i];
    min_ratio = std::min(min_ratio, ratio);
    if (ratio < 0.99) ++darker;
    ASSERT_LE(ratio, 1.0 + 1e-6);
  }
  EXPECT_LT(min_ratio, 0.8);
  const double frac = static_cast<double>(darker) / static_cast<double>(a.rgb.size());
  EXPECT_GT(frac, 0.001);
  EXPECT_LT(frac, 0.2);
  // Fixed on the sensor: a turn of the table leaves the specks where they were.
  auto turned = req;
  turned.pose.azimuth_deg = 40;
  const LinearImage c = clean.render(turned), d = dusty.render(turned);
  for (size_t i = 0; i < a.rgb.size(); ++i) {
    if (a.rgb[i] <= 0 || c.rgb[i] <= 0) continue;
    ASSERT_NEAR(b.rgb[i] / a.rgb[i], d.rgb[i] / c.rgb[i], 1e-3) << "sample " << i;
  }
}

TEST(SimRender, JpegEncodesAtTheImageSize) {
  Renderer r(small_config(200, 120));
  auto jpeg = encode_jpeg_srgb(r.render(request(0)), 92);
  ASSERT_TRUE(jpeg.ok()) << jpeg.error().message;
  ASSERT_GT(jpeg->size(), 1000u);
  EXPECT_EQ((*jpeg)[0], 0xFF);
  EXPECT_EQ((*jpeg)[1], 0xD8);
  LinearImage bad;
  bad.width = 10;
  EXPECT_FALSE(encode_jpeg_srgb(bad, 92).ok());
}

TEST(SimRender, CameraNamesRollOverAfter9999) {
  EXPECT_EQ(camera_file_name(1, "JPG"), "DSC_0001.JPG");
  EXPECT_EQ(camera_file_name(9999, "DNG"), "DSC_9999.DNG");
  EXPECT_EQ(camera_file_name(10000, "JPG"), "DSC_0001.JPG");
}

}  // namespace
}  // namespace tb::hal::sim
