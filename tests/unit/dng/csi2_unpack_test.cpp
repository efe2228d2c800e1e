#include <gtest/gtest.h>

#include "tetherbox/hal/dng/dng.hpp"

namespace tb::hal::dng {
namespace {

TEST(Csi2Unpack, Raw10RowBytesPadPartialGroups) {
  EXPECT_EQ(csi2p10_row_bytes(4), 5u);
  EXPECT_EQ(csi2p10_row_bytes(5), 10u);
  EXPECT_EQ(csi2p10_row_bytes(4056), 5070u);
  EXPECT_EQ(csi2p12_row_bytes(2), 3u);
  EXPECT_EQ(csi2p12_row_bytes(3), 6u);
  EXPECT_EQ(csi2p12_row_bytes(4056), 6084u);
}

TEST(Csi2Unpack, Raw10OneGroupByHand) {
  // Pixels 0x3FF, 0x000, 0x155, 0x2AA: MSB bytes FF 00 55 AA; LSBs 11,00,01,10 -> 0b10010011.
  const std::vector<uint8_t> packed = {0xFF, 0x00, 0x55, 0xAA, 0b10'01'00'11};
  auto px = unpack_csi2p10(packed, 4, 1, packed.size());
  ASSERT_TRUE(px.ok()) << px.error().message;
  EXPECT_EQ(*px, (std::vector<uint16_t>{0x3FF, 0x000, 0x155, 0x2AA}));
}

TEST(Csi2Unpack, Raw10HonoursStrideAndPartialGroup) {
  // Two rows of 6 pixels: 2 groups = 10 bytes each, padded to a stride of 16.
  std::vector<uint8_t> packed(32, 0xEE);  // padding bytes must be ignored
  const uint8_t row0[10] = {0x01, 0x02, 0x03, 0x04, 0b00'01'10'11,
                            0x10, 0x20, 0x00, 0x00, 0b0000'01'10};
  const uint8_t row1[10] = {0x80, 0x40, 0x20, 0x10, 0b11'11'11'11,
                            0xFF, 0x00, 0x00, 0x00, 0b0000'00'11};
  std::copy(std::begin(row0), std::end(row0), packed.begin());
  std::copy(std::begin(row1), std::end(row1), packed.begin() + 16);
  auto px = unpack_csi2p10(packed, 6, 2, 16);
  ASSERT_TRUE(px.ok()) << px.error().message;
  const std::vector<uint16_t> want = {0x01 << 2 | 3, 0x02 << 2 | 2, 0x03 << 2 | 1, 0x04 << 2 | 0,
                                      0x10 << 2 | 2, 0x20 << 2 | 1, 0x80 << 2 | 3, 0x40 << 2 | 3,
                                      0x20 << 2 | 3, 0x10 << 2 | 3, 0xFF << 2 | 3, 0x00 << 2 | 0};
  EXPECT_EQ(*px, want);
}

TEST(Csi2Unpack, Raw12ByHandWithStride) {
  // Row 0: 0xABC, 0x123 -> AB 12 3C ; 0xFFF, 0x000 -> FF 00 0F. Row 1 (odd width tail tested
  // separately): 0x800, 0x7FF -> 80 7F F0 ; 0x001, 0xFFE -> 00 FF E1.
  std::vector<uint8_t> packed(2 * 8, 0x55);
  const uint8_t r0[6] = {0xAB, 0x12, 0x3C, 0xFF, 0x00, 0x0F};
  const uint8_t r1[6] = {0x80, 0x7F, 0xF0, 0x00, 0xFF, 0xE1};
  std::copy(std::begin(r0), std::end(r0), packed.begin());
  std::copy(std::begin(r1), std::end(r1), packed.begin() + 8);
  auto px = unpack_csi2p12(packed, 4, 2, 8);
  ASSERT_TRUE(px.ok()) << px.error().message;
  EXPECT_EQ(*px, (std::vector<uint16_t>{0xABC, 0x123, 0xFFF, 0x000, 0x800, 0x7FF, 0x001, 0xFFE}));
}

TEST(Csi2Unpack, Raw12OddWidthTail) {
  const std::vector<uint8_t> packed = {0xAB, 0x12, 0x3C, 0x9A, 0x00, 0x07};
  auto px = unpack_csi2p12(packed, 3, 1, packed.size());
  ASSERT_TRUE(px.ok()) << px.error().message;
  EXPECT_EQ(*px, (std::vector<uint16_t>{0xABC, 0x123, 0x9A7}));
}

TEST(Csi2Unpack, RoundTripAgainstReferencePacker) {
  // Pack every 10-bit value with an independent bit-by-bit packer and unpack it again.
  const int w = 1024, h = 3;
  std::vector<uint16_t> src(static_cast<size_t>(w) * h);
  for (size_t i = 0; i < src.size(); ++i) src[i] = static_cast<uint16_t>((i * 37) % 1024);
  const size_t stride = csi2p10_row_bytes(w) + 7;
  std::vector<uint8_t> packed(stride * h, 0);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const uint16_t v = src[static_cast<size_t>(y) * w + x];
      uint8_t* g = packed.data() + y * stride + (x / 4) * 5;
      g[x % 4] = static_cast<uint8_t>(v >> 2);
      for (int b = 0; b < 2; ++b)
        if (v & (1 << b)) g[4] |= static_cast<uint8_t>(1 << ((x % 4) * 2 + b));
    }
  auto px = unpack_csi2p10(packed, w, h, stride);
  ASSERT_TRUE(px.ok()) << px.error().message;
  EXPECT_EQ(*px, src);
}

TEST(Csi2Unpack, RejectsShortStrideAndShortBuffer) {
  std::vector<uint8_t> packed(100);
  auto a = unpack_csi2p10(packed, 8, 2, 9);  // row needs 10 bytes
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().code, Errc::invalid);
  EXPECT_NE(a.error().message.find("stride 9"), std::string::npos) << a.error().message;
  auto b = unpack_csi2p12(packed, 8, 10, 12);  // needs 12*9+12 = 120 bytes
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.error().message.find("needs 120"), std::string::npos) << b.error().message;
  EXPECT_FALSE(unpack_csi2p12(packed, 0, 1, 12).ok());
}

}  // namespace
}  // namespace tb::hal::dng
