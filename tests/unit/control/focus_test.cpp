// The live-view focus measure: a sharp pattern scores higher than the same pattern blurred,
// a flat frame scores zero, and a broken JPEG is an error, not a number.
#include <gtest/gtest.h>
#include <turbojpeg.h>

#include <vector>

#include "liveview.hpp"

namespace {

std::vector<uint8_t> encode(const std::vector<uint8_t>& gray, int w, int h) {
  tjhandle tj = tjInitCompress();
  unsigned char* buf = nullptr;
  unsigned long size = 0;
  EXPECT_EQ(tjCompress2(tj, gray.data(), w, 0, h, TJPF_GRAY, &buf, &size, TJSAMP_GRAY, 95, 0), 0);
  std::vector<uint8_t> out(buf, buf + size);
  tjFree(buf);
  tjDestroy(tj);
  return out;
}

std::vector<uint8_t> checker(int w, int h, int box_blur) {
  std::vector<uint8_t> g(static_cast<size_t>(w * h));
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) g[static_cast<size_t>(y * w + x)] = ((x / 8 + y / 8) % 2) ? 230 : 20;
  for (int pass = 0; pass < box_blur; ++pass) {
    auto s = g;
    for (int y = 1; y + 1 < h; ++y)
      for (int x = 1; x + 1 < w; ++x) {
        int sum = 0;
        for (int dy = -1; dy <= 1; ++dy)
          for (int dx = -1; dx <= 1; ++dx) sum += s[static_cast<size_t>((y + dy) * w + x + dx)];
        g[static_cast<size_t>(y * w + x)] = static_cast<uint8_t>(sum / 9);
      }
  }
  return g;
}

TEST(LiveviewFocus, SharpScoresHigherThanBlurred) {
  auto sharp = tb::daemon::focus_measure(encode(checker(128, 96, 0), 128, 96));
  auto soft = tb::daemon::focus_measure(encode(checker(128, 96, 4), 128, 96));
  ASSERT_TRUE(sharp.ok() && soft.ok());
  EXPECT_GT(*sharp, 4 * *soft);
  int w = 0, h = 0;
  auto flat = tb::daemon::focus_measure(encode(std::vector<uint8_t>(64 * 48, 128), 64, 48), &w, &h);
  ASSERT_TRUE(flat.ok());
  EXPECT_LT(*flat, 1.0);
  EXPECT_EQ(w, 64);
  EXPECT_EQ(h, 48);
}

TEST(LiveviewFocus, BrokenJpegIsAnError) {
  std::vector<uint8_t> junk = {0xff, 0xd8, 1, 2, 3};
  EXPECT_FALSE(tb::daemon::focus_measure(junk).ok());
}

TEST(LiveviewFocus, Base64) {
  const std::vector<uint8_t> v = {'M', 'a', 'n'};
  EXPECT_EQ(tb::daemon::base64(v), "TWFu");
  EXPECT_EQ(tb::daemon::base64(std::vector<uint8_t>{'M', 'a'}), "TWE=");
  EXPECT_EQ(tb::daemon::base64(std::vector<uint8_t>{'M'}), "TQ==");
}

}  // namespace
