// Clipping measured on the RAW: exact per-channel fractions on a DNG built with known
// photosites (hal::dng, the writer the sim and libcamera use), per-position black levels, and
// every file the check cannot read skipped with a reason.
#include <gtest/gtest.h>

#include <string>

#include "tetherbox/capture/quality_raw.hpp"
#include "tetherbox/hal/dng/dng.hpp"

namespace tb::capture::quality {
namespace {

hal::dng::BayerImage flat(int w, int h, uint16_t v) {
  hal::dng::BayerImage b;
  b.width = w;
  b.height = h;
  b.cfa = "RGGB";
  b.black_level = 512;
  b.white_level = 60000;
  b.pixels.assign(static_cast<size_t>(w) * h, v);
  return b;
}

std::vector<uint8_t> encode(const hal::dng::BayerImage& b) {
  auto bytes = hal::dng::encode_dng(b, hal::dng::DngMeta{});
  EXPECT_TRUE(bytes.ok());
  return bytes.ok() ? *bytes : std::vector<uint8_t>{};
}

TEST(RawLevels, ExactFractionsPerChannelAtTheFilesOwnLevels) {
  auto b = flat(64, 40, 20000);
  auto at = [&](int x, int y) -> uint16_t& { return b.pixels[static_cast<size_t>(y) * 64 + x]; };
  // RGGB: red at (even, even), blue at (odd, odd). 640 red, 1280 green, 640 blue photosites.
  for (int i = 0; i < 32; ++i) at(2 * i, 0) = 60000;            // 32 red at white
  for (int i = 0; i < 16; ++i) at(2 * i + 1, 1) = 65535;        // 16 blue above white
  for (int i = 0; i < 64; ++i) at(i, 2) = (i % 2) ? 100 : 512;  // 32 green below, 32 red at black
  at(1, 0) = 59999;  // green just under white: not clipped
  const auto l = measure_raw(encode(b));
  ASSERT_TRUE(l.measured) << l.reason;
  EXPECT_DOUBLE_EQ(l.white_level, 60000);
  EXPECT_DOUBLE_EQ(l.black_level, 512);
  EXPECT_DOUBLE_EQ(l.clipped_high[0], 32.0 / 640);
  EXPECT_DOUBLE_EQ(l.clipped_high[1], 0.0);
  EXPECT_DOUBLE_EQ(l.clipped_high[2], 16.0 / 640);
  EXPECT_DOUBLE_EQ(l.clipped_low[0], 32.0 / 640);
  EXPECT_DOUBLE_EQ(l.clipped_low[1], 32.0 / 1280);
  EXPECT_DOUBLE_EQ(l.clipped_low[2], 0.0);
}

TEST(RawLevels, OtherCfaPatternsCountTheRightChannel) {
  auto b = flat(8, 8, 30000);
  b.cfa = "BGGR";
  b.pixels[0] = 60000;  // top-left is blue in BGGR
  const auto l = measure_raw(encode(b));
  ASSERT_TRUE(l.measured) << l.reason;
  EXPECT_DOUBLE_EQ(l.clipped_high[2], 1.0 / 16);
  EXPECT_DOUBLE_EQ(l.clipped_high[0], 0.0);
}

// The sharpness measure's input: both green sites of each cell, black-subtracted, with where
// the second sits from the first and the white level over black.
TEST(RawLevels, BothGreenPlanesWithTheirPlaceAndTheWhiteLevel) {
  for (const std::string cfa : {"RGGB", "GBRG"}) {
    auto b = flat(8, 6, 30000);
    b.cfa = cfa;
    const bool rggb = cfa == "RGGB";
    for (int y = 0; y < 6; ++y)
      for (int x = 0; x < 8; ++x) {
        const bool first = rggb ? (x % 2 == 1 && y % 2 == 0) : (x % 2 == 0 && y % 2 == 0);
        const bool second = rggb ? (x % 2 == 0 && y % 2 == 1) : (x % 2 == 1 && y % 2 == 1);
        if (first) b.pixels[static_cast<size_t>(y) * 8 + x] = static_cast<uint16_t>(10000 + x);
        if (second) b.pixels[static_cast<size_t>(y) * 8 + x] = static_cast<uint16_t>(20000 + y);
      }
    Plane g;
    const auto l = measure_raw(encode(b), &g);
    ASSERT_TRUE(l.measured) << l.reason;
    ASSERT_EQ(g.width, 4);
    ASSERT_EQ(g.height, 3);
    ASSERT_EQ(g.v2.size(), g.v.size());
    EXPECT_FLOAT_EQ(g.white, 60000 - 512);
    EXPECT_EQ(g.v2_dx, rggb ? -1 : 1) << cfa;
    EXPECT_EQ(g.v2_dy, 1) << cfa;
    for (int cy = 0; cy < 3; ++cy)
      for (int cx = 0; cx < 4; ++cx) {
        const size_t i = static_cast<size_t>(cy) * 4 + cx;
        EXPECT_FLOAT_EQ(g.v[i], 10000 + 2 * cx + (rggb ? 1 : 0) - 512) << cfa;
        EXPECT_FLOAT_EQ(g.v2[i], 20000 + 2 * cy + 1 - 512) << cfa;
      }
  }
}

// A minimal uncompressed CFA TIFF (what measure_raw reads of a DNG), in either byte order and
// with 8- or 16-bit samples: hal::dng writes host order, 16-bit only; cameras write both orders.
std::vector<uint8_t> cfa_tiff(bool big_endian, int bits, int w, int h,
                              const std::vector<uint16_t>& px, uint32_t black, uint32_t white) {
  std::vector<uint8_t> b;
  auto put = [&](uint32_t v, int bytes) {
    for (int i = 0; i < bytes; ++i)
      b.push_back(static_cast<uint8_t>(v >> (8 * (big_endian ? bytes - 1 - i : i))));
  };
  struct Entry {
    uint16_t tag, type;
    uint32_t count, value;  // SHORT values sit in the first two bytes of the field
  };
  const uint32_t data_bytes = static_cast<uint32_t>(w * h * bits / 8);
  const std::vector<Entry> entries = {{254, 4, 1, 0},
                                      {256, 4, 1, static_cast<uint32_t>(w)},
                                      {257, 4, 1, static_cast<uint32_t>(h)},
                                      {258, 3, 1, static_cast<uint32_t>(bits)},
                                      {259, 3, 1, 1},
                                      {262, 3, 1, 32803},
                                      {273, 4, 1, 0},  // strip offset: patched below
                                      {277, 3, 1, 1},
                                      {278, 4, 1, static_cast<uint32_t>(h)},
                                      {279, 4, 1, data_bytes},
                                      {33421, 3, 2, 0},  // 2 x 2: written by hand below
                                      {33422, 1, 4, 0},  // RGGB: written by hand below
                                      {50714, 4, 1, black},
                                      {50717, 4, 1, white}};
  b.push_back(big_endian ? 'M' : 'I');
  b.push_back(big_endian ? 'M' : 'I');
  put(42, 2);
  put(8, 4);
  put(static_cast<uint32_t>(entries.size()), 2);
  const uint32_t data_at = static_cast<uint32_t>(8 + 2 + 12 * entries.size() + 4);
  for (const auto& e : entries) {
    put(e.tag, 2);
    put(e.type, 2);
    put(e.count, 4);
    if (e.tag == 33421) {
      put(2, 2), put(2, 2);
    } else if (e.tag == 33422) {
      for (uint8_t c : {0, 1, 1, 2}) b.push_back(c);
    } else if (e.type == 3) {
      put(e.value, 2), put(0, 2);
    } else {
      put(e.tag == 273 ? data_at : e.value, 4);
    }
  }
  put(0, 4);  // no next IFD
  for (uint16_t v : px) put(v, bits / 8);
  return b;
}

// The byte orders and sample sizes cameras write: the same photosites give the same fractions
// and the same green, read in place (host order) or through the row buffer (swapped, 8-bit).
TEST(RawLevels, EitherByteOrderAndEightBitSamplesReadAlike) {
  constexpr int kW = 64, kH = 40;
  std::vector<uint16_t> px(kW * kH, 20000);
  auto at = [&](int x, int y) -> uint16_t& { return px[static_cast<size_t>(y) * kW + x]; };
  for (int i = 0; i < 32; ++i) at(2 * i, 0) = 60000;            // 32 red at white
  for (int i = 0; i < 16; ++i) at(2 * i + 1, 1) = 65535;        // 16 blue above white
  for (int i = 0; i < 64; ++i) at(i, 2) = (i % 2) ? 100 : 512;  // 32 green below, 32 red at black
  for (int y = 4; y < kH; ++y)
    for (int x = 0; x < kW; ++x) at(x, y) = static_cast<uint16_t>(1000 + 97 * x + 31 * y);
  Plane first;
  const auto little = measure_raw(cfa_tiff(false, 16, kW, kH, px, 512, 60000), &first);
  ASSERT_TRUE(little.measured) << little.reason;
  EXPECT_DOUBLE_EQ(little.clipped_high[0], 32.0 / 640);
  EXPECT_DOUBLE_EQ(little.clipped_high[2], 16.0 / 640);
  EXPECT_DOUBLE_EQ(little.clipped_low[1], 32.0 / 1280);
  Plane second;
  const auto big = measure_raw(cfa_tiff(true, 16, kW, kH, px, 512, 60000), &second);
  ASSERT_TRUE(big.measured) << big.reason;
  EXPECT_EQ(big.clipped_high, little.clipped_high);
  EXPECT_EQ(big.clipped_low, little.clipped_low);
  EXPECT_EQ(second.v, first.v);
  EXPECT_EQ(second.v2, first.v2);
  EXPECT_FLOAT_EQ(first.v[static_cast<size_t>(3) * (kW / 2) + 5], 1000 + 97 * 11 + 31 * 6 - 512);

  // 8-bit samples: the same layout a byte deep (white 250, black 2).
  std::vector<uint16_t> narrow(px.size());
  for (size_t i = 0; i < px.size(); ++i)
    narrow[i] = px[i] >= 60000 ? 250 : px[i] <= 512 ? 2 : static_cast<uint16_t>(100 + i % 100);
  for (bool big_endian : {false, true}) {
    const auto l = measure_raw(cfa_tiff(big_endian, 8, kW, kH, narrow, 2, 250));
    ASSERT_TRUE(l.measured) << l.reason;
    EXPECT_EQ(l.clipped_high, little.clipped_high);
    EXPECT_EQ(l.clipped_low, little.clipped_low);
  }
}

TEST(RawLevels, UnreadableInputIsSkippedWithAReason) {
  const std::vector<uint8_t> jpeg = {0xFF, 0xD8, 0xFF, 0xD9};
  auto l = measure_raw(jpeg);
  EXPECT_FALSE(l.measured);
  EXPECT_NE(l.reason.find("not a readable TIFF/DNG"), std::string::npos) << l.reason;

  auto bytes = encode(flat(256, 256, 1000));
  bytes.resize(bytes.size() - 40000);  // cut inside the raw strips
  l = measure_raw(bytes);
  EXPECT_FALSE(l.measured);
  EXPECT_FALSE(l.reason.empty());
  EXPECT_EQ(l.reason.rfind("not measured", 0), 0u) << l.reason;
}

}  // namespace
}  // namespace tb::capture::quality
