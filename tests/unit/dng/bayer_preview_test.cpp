#include <gtest/gtest.h>

#include "tetherbox/hal/dng/dng.hpp"

namespace tb::hal::dng {
namespace {

// A flat image whose red, green and blue photosites hold fixed values.
BayerImage flat(const std::string& cfa, uint16_t r, uint16_t g, uint16_t b) {
  BayerImage img;
  img.width = 32;
  img.height = 16;
  img.cfa = cfa;
  img.black_level = 0;
  img.white_level = 1000;
  img.bits = 16;
  img.pixels.resize(32 * 16);
  for (int y = 0; y < 16; ++y)
    for (int x = 0; x < 32; ++x) {
      const char c = cfa[(y % 2) * 2 + x % 2];
      img.pixels[y * 32 + x] = c == 'R' ? r : c == 'G' ? g : b;
    }
  return img;
}

TEST(BayerPreview, SizeAndChannelOrderFollowThePattern) {
  for (const char* cfa : {"RGGB", "BGGR", "GRBG", "GBRG"}) {
    auto p = bayer_preview_rgb8(flat(cfa, 1000, 0, 0), 8);
    ASSERT_TRUE(p.ok()) << p.error().message;
    EXPECT_EQ(p->width, 4);
    EXPECT_EQ(p->height, 2);
    ASSERT_EQ(p->rgb.size(), 4u * 2 * 3);
    for (size_t i = 0; i < p->rgb.size(); i += 3) {
      EXPECT_EQ(p->rgb[i], 255) << cfa;  // full-scale red
      EXPECT_EQ(p->rgb[i + 1], 0) << cfa;
      EXPECT_EQ(p->rgb[i + 2], 0) << cfa;
    }
  }
}

TEST(BayerPreview, BlackIsSubtractedAndNeutralBalances) {
  auto img = flat("RGGB", 600, 300, 150);
  img.black_level = 100;
  // Camera saw neutral grey as R:G:B = 500:200:50 above black -> neutral (1, 0.4, 0.1).
  img.as_shot_neutral = {1.0, 0.4, 0.1};
  auto p = bayer_preview_rgb8(img, 2);
  ASSERT_TRUE(p.ok()) << p.error().message;
  // After balance all three channels are equal (500/900 of range, gamma encoded).
  EXPECT_EQ(p->rgb[0], p->rgb[1]);
  EXPECT_EQ(p->rgb[1], p->rgb[2]);
  EXPECT_GT(p->rgb[0], 150);
  EXPECT_LT(p->rgb[0], 255);
}

TEST(BayerPreview, RejectsOddScaleAndTinyImages) {
  EXPECT_FALSE(bayer_preview_rgb8(flat("RGGB", 1, 1, 1), 3).ok());
  EXPECT_FALSE(bayer_preview_rgb8(flat("RGGB", 1, 1, 1), 64).ok());
}

}  // namespace
}  // namespace tb::hal::dng
