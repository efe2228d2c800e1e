#include <gtest/gtest.h>

#include <cstring>

#include "tetherbox/hal/dng/dng.hpp"

namespace tb::hal::dng {
namespace {

BayerImage small() {
  BayerImage img;
  img.width = 8;
  img.height = 4;
  img.pixels.assign(32, 100);
  return img;
}

TEST(DngEncode, ProducesLittleEndianTiffWithRawPayload) {
  auto img = small();
  for (size_t i = 0; i < img.pixels.size(); ++i) img.pixels[i] = static_cast<uint16_t>(0xA500 + i);
  auto bytes = encode_dng(img, DngMeta{});
  ASSERT_TRUE(bytes.ok()) << bytes.error().message;
  ASSERT_GE(bytes->size(), 8u + 64);
  EXPECT_EQ((*bytes)[0], 'I');
  EXPECT_EQ((*bytes)[1], 'I');
  EXPECT_EQ((*bytes)[2], 42);
  // The 64 payload bytes appear contiguously, in order, somewhere in the file.
  const auto* payload = reinterpret_cast<const uint8_t*>(img.pixels.data());
  auto it = std::search(bytes->begin(), bytes->end(), payload, payload + 64);
  EXPECT_NE(it, bytes->end());
}

TEST(DngEncode, RejectsWrongSampleCount) {
  auto img = small();
  img.pixels.pop_back();
  auto r = encode_dng(img, DngMeta{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::invalid);
  EXPECT_NE(r.error().message.find("31 samples"), std::string::npos) << r.error().message;
}

TEST(DngEncode, RejectsUnknownPattern) {
  auto img = small();
  img.cfa = "RGBG";
  auto r = encode_dng(img, DngMeta{});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("RGBG"), std::string::npos) << r.error().message;
}

TEST(DngEncode, RejectsInconsistentLevels) {
  auto img = small();
  img.black_level = 4000;
  img.white_level = 4000;
  EXPECT_FALSE(encode_dng(img, DngMeta{}).ok());
  img.black_level = 64;
  img.bits = 10;
  img.white_level = 4095;  // does not fit in 10 bits
  auto r = encode_dng(img, DngMeta{});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("10 bits"), std::string::npos) << r.error().message;
}

TEST(DngEncode, TinyImageStillGetsAPreview) {
  BayerImage img;
  img.width = 2;
  img.height = 2;
  img.pixels = {1, 2, 3, 4};
  EXPECT_TRUE(encode_dng(img, DngMeta{}).ok());
}

}  // namespace
}  // namespace tb::hal::dng
