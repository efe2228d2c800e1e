#include <gtest/gtest.h>
#include <turbojpeg.h>

#include "tetherbox/hal/libcamera/frame_convert.hpp"

namespace tb::hal::libcamera_backend {
namespace {

TEST(LibcameraConvert, PackedRaw10BecomesBayerImage) {
  // 4x2 pixels, stride 8: one RAW10 group per row.
  std::vector<uint8_t> buf = {0xFF, 0x00, 0x55, 0xAA, 0b10'01'00'11, 0, 0, 0,
                              0x01, 0x02, 0x03, 0x04, 0x00,          0, 0, 0};
  auto img = bayer_from_buffer(buf, 4, 2, 8, *parse_raw_format("SGBRG10_CSI2P"));
  ASSERT_TRUE(img.ok()) << img.error().message;
  EXPECT_EQ(img->cfa, "GBRG");
  EXPECT_EQ(img->bits, 10);
  EXPECT_EQ(img->white_level, 1023);
  EXPECT_EQ(img->pixels, (std::vector<uint16_t>{0x3FF, 0, 0x155, 0x2AA, 4, 8, 12, 16}));
}

TEST(LibcameraConvert, Unpacked16HonoursStride) {
  // 2x2 little-endian samples with 2 padding bytes per row.
  std::vector<uint8_t> buf = {0x34, 0x12, 0xFF, 0xFF, 0xEE, 0xEE,
                              0x01, 0x00, 0x00, 0x80, 0xEE, 0xEE};
  auto img = bayer_from_buffer(buf, 2, 2, 6, *parse_raw_format("SRGGB16"));
  ASSERT_TRUE(img.ok()) << img.error().message;
  EXPECT_EQ(img->pixels, (std::vector<uint16_t>{0x1234, 0xFFFF, 0x0001, 0x8000}));
  EXPECT_EQ(img->white_level, 65535);
  EXPECT_FALSE(bayer_from_buffer(buf, 2, 3, 6, *parse_raw_format("SRGGB16")).ok());
}

struct Decoded {
  int w = 0, h = 0;
  std::vector<uint8_t> rgb;
};
Decoded decode(const std::vector<uint8_t>& jpeg) {
  Decoded d;
  tjhandle tj = tjInitDecompress();
  int sub = 0, cs = 0;
  EXPECT_EQ(tjDecompressHeader3(tj, jpeg.data(), jpeg.size(), &d.w, &d.h, &sub, &cs), 0);
  d.rgb.resize(size_t(d.w) * d.h * 3);
  EXPECT_EQ(tjDecompress2(tj, jpeg.data(), jpeg.size(), d.rgb.data(), d.w, 0, d.h, TJPF_RGB, 0), 0);
  tjDestroy(tj);
  return d;
}

TEST(LibcameraConvert, Yuv420ToJpegKeepsSizeAndColour) {
  const int w = 64, h = 48, ys = 80, cs = 40;  // padded strides
  // A saturated red in BT.601 full range: Y 76, U 85, V 255.
  std::vector<uint8_t> y(size_t(ys) * h, 76), u(size_t(cs) * h / 2, 85), v(size_t(cs) * h / 2, 255);
  auto jpeg = jpeg_from_yuv420({y, u, v, ys, cs}, w, h, 90);
  ASSERT_TRUE(jpeg.ok()) << jpeg.error().message;
  const auto d = decode(*jpeg);
  EXPECT_EQ(d.w, w);
  EXPECT_EQ(d.h, h);
  const size_t mid = (size_t(h / 2) * w + w / 2) * 3;
  EXPECT_GT(d.rgb[mid], 230);
  EXPECT_LT(d.rgb[mid + 1], 30);
  EXPECT_LT(d.rgb[mid + 2], 30);
  EXPECT_FALSE(jpeg_from_yuv420({y, u, v, 10, cs}, w, h, 90).ok());  // stride < width
}

TEST(LibcameraConvert, Rgb888IsBgrInMemory) {
  const int w = 16, h = 16;
  std::vector<uint8_t> px(size_t(w) * h * 3);
  for (size_t i = 0; i < px.size(); i += 3) px[i + 2] = 255;  // byte order B,G,R: this is red
  auto jpeg = jpeg_from_rgb24(px, w, h, w * 3, "RGB888", 90);
  ASSERT_TRUE(jpeg.ok()) << jpeg.error().message;
  auto d = decode(*jpeg);
  EXPECT_GT(d.rgb[0], 230);
  EXPECT_LT(d.rgb[2], 30);
  jpeg = jpeg_from_rgb24(px, w, h, w * 3, "BGR888", 90);  // same bytes read R,G,B: blue
  ASSERT_TRUE(jpeg.ok());
  d = decode(*jpeg);
  EXPECT_LT(d.rgb[0], 30);
  EXPECT_GT(d.rgb[2], 230);
  EXPECT_FALSE(jpeg_from_rgb24(px, w, h, w * 3, "XRGB8888", 90).ok());
}

}  // namespace
}  // namespace tb::hal::libcamera_backend
