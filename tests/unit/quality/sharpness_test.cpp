// Sharpness: the measure drops when a plane is blurred and not when it is only brighter (a
// bracket), and the running median is per preset, needs a few frames, and never learns from
// a blurred frame.
#include <gtest/gtest.h>

#include "tetherbox/capture/quality_sharpness.hpp"

namespace tb::capture::quality {
namespace {

Plane texture(float gain, bool blur) {
  Plane p;
  p.width = p.height = 32;
  p.v.resize(32 * 32);
  for (int y = 0; y < 32; ++y)
    for (int x = 0; x < 32; ++x)
      p.v[y * 32 + x] = gain * (100.0f + 50.0f * (((x / 2) + (y / 2)) % 2));
  if (blur) {
    Plane b = p;
    for (int y = 1; y < 31; ++y)
      for (int x = 1; x < 31; ++x) {
        float s = 0;
        for (int dy = -1; dy <= 1; ++dy)
          for (int dx = -1; dx <= 1; ++dx) s += p.v[(y + dy) * 32 + x + dx];
        b.v[y * 32 + x] = s / 9;
      }
    return b;
  }
  return p;
}

TEST(Sharpness, BlurLowersItBrightnessDoesNot) {
  const double sharp = *laplacian_sharpness(texture(1, false));
  EXPECT_NEAR(*laplacian_sharpness(texture(2, false)), sharp, 1e-9 * sharp);
  EXPECT_LT(*laplacian_sharpness(texture(1, true)), 0.5 * sharp);
  Plane black;
  black.width = black.height = 8;
  black.v.assign(64, 0.0f);
  EXPECT_FALSE(laplacian_sharpness(black).has_value());
}

TEST(Sharpness, RunningMedianPerPresetAndNeverFromABlurredFrame) {
  SharpnessWatch w(0.5);
  auto rec = [](double v) {
    SharpnessRecord r;
    r.measured = true;
    r.value = v;
    return r;
  };
  // Too little history to judge: even a very low value is not called blurred.
  auto first = rec(0.01);
  EXPECT_FALSE(w.check("key", first).has_value());
  EXPECT_FALSE(first.median.has_value());
  for (double v : {1.0, 1.1}) {
    auto r = rec(v);
    EXPECT_FALSE(w.check("key", r).has_value());
  }
  auto low = rec(0.3);
  EXPECT_TRUE(w.check("key", low).has_value());
  EXPECT_TRUE(low.blurred);
  EXPECT_DOUBLE_EQ(*low.median, 1.0);  // of {0.01, 1.0, 1.1}
  // The blurred frame did not join the history: the median is still 1.0, not lower.
  auto ok = rec(0.9);
  EXPECT_FALSE(w.check("key", ok).has_value());
  EXPECT_DOUBLE_EQ(*ok.median, 1.0);
  // Another preset has its own history.
  auto other = rec(0.3);
  EXPECT_FALSE(w.check("warm", other).has_value());
}

}  // namespace
}  // namespace tb::capture::quality
