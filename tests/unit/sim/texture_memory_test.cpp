// The sim's scene textures are most of tetherboxd's memory on the sim board: they are kept at
// 16 bits a channel (43 MB as floats), and sampling them still gives the albedo range drawn.
#include <gtest/gtest.h>

#include <algorithm>

#include "../../../hal/sim/src/scene.hpp"

namespace tb::hal::sim {
namespace {

size_t bytes(const Texture& t) {
  return t.rgb.size() * sizeof(t.rgb[0]);
}

TEST(SimTextures, OneSeedsTexturesFitInAQuarterOfTheDaemonsMemoryAim) {
  const auto tex = textures_for_seed(11);
  const size_t total =
      bytes(tex->object_side) + bytes(tex->object_cap) + bytes(tex->disc) + bytes(tex->backdrop);
  // 64 MB is the daemon's aim; the textures used to take 43 MB of it.
  EXPECT_LE(total, 22u * 1024 * 1024);
  EXPECT_GT(total, 0u);
}

TEST(SimTextures, SamplesStayInTheDrawnAlbedoRangeAndVary) {
  const auto tex = textures_for_seed(11);
  float lo = 1, hi = 0;
  for (int y = 0; y < tex->disc.height; y += 7)
    for (int x = 0; x < tex->disc.width; x += 7) {
      float out[3];
      sample(tex->disc, x + 0.5f, y + 0.5f, false, out);
      for (float c : out) {
        lo = std::min(lo, c);
        hi = std::max(hi, c);
      }
    }
  // clamp_albedo draws within [0.03, 0.9]; one 16-bit step is 1.5e-5.
  EXPECT_GE(lo, 0.03f - 2e-5f);
  EXPECT_LE(hi, 0.9f + 2e-5f);
  EXPECT_GT(hi - lo, 0.3f) << "the disc's marks and noise are still there";
}

TEST(SimTextures, OneSeedIsBuiltOnceAndShared) {
  const auto a = textures_for_seed(12);
  const auto b = textures_for_seed(12);
  EXPECT_EQ(a.get(), b.get());
}

}  // namespace
}  // namespace tb::hal::sim
