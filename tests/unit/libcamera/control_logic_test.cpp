#include <gtest/gtest.h>

#include <cmath>

#include "tetherbox/hal/libcamera/control_logic.hpp"

namespace tb::hal::libcamera_backend {
namespace {

TEST(LibcameraControls, IsoGainShutterConversions) {
  EXPECT_FLOAT_EQ(iso_to_gain(100), 1.0f);
  EXPECT_FLOAT_EQ(iso_to_gain(800), 8.0f);
  EXPECT_FLOAT_EQ(iso_to_gain(50), 0.5f);
  EXPECT_EQ(gain_to_iso(2.5), 250);
  EXPECT_EQ(gain_to_iso(1.0039), 100);
  for (int iso : {100, 125, 200, 400, 1600, 6400}) EXPECT_EQ(gain_to_iso(iso_to_gain(iso)), iso);
  EXPECT_EQ(shutter_to_us(1.0 / 125), 8000);
  EXPECT_EQ(shutter_to_us(1.0 / 3), 333333);
  EXPECT_EQ(shutter_to_us(30.0), 30000000);
  EXPECT_EQ(shutter_to_us(1e-9), 1);  // never zero: 0 means "auto" to some pipelines
}

FrameMetadata md(uint32_t seq, int32_t us, float gain) {
  return FrameMetadata{seq, us, gain};
}

TEST(LibcameraSettle, SkipsFramesUntilMetadataShowsTheCommandedValues) {
  // Commanded 1/125 s at ISO 400 while the sensor still runs the previous 1/60 s at ISO 100.
  SettleMatcher m({8000, 4.0f}, MatchTolerance{}, 10);
  EXPECT_EQ(m.feed(md(10, 16666, 1.0f)), SettleMatcher::Verdict::skip);
  EXPECT_NE(m.reason().find("16666 us"), std::string::npos) << m.reason();
  EXPECT_EQ(m.feed(md(11, 8000, 1.0f)), SettleMatcher::Verdict::skip);     // exposure landed first
  EXPECT_EQ(m.feed(md(12, 7990, 3.98f)), SettleMatcher::Verdict::accept);  // line-quantised
  EXPECT_EQ(m.frames_seen(), 3);
  EXPECT_TRUE(m.reason().empty());
}

TEST(LibcameraSettle, MissingMetadataNeverMatches) {
  SettleMatcher m({8000, 1.0f}, MatchTolerance{}, 5);
  EXPECT_EQ(m.feed(FrameMetadata{1, std::nullopt, 1.0f}), SettleMatcher::Verdict::skip);
  EXPECT_NE(m.reason().find("no ExposureTime"), std::string::npos);
  EXPECT_EQ(m.feed(FrameMetadata{2, 8000, std::nullopt}), SettleMatcher::Verdict::skip);
  EXPECT_EQ(m.feed(md(3, 8000, 1.0f)), SettleMatcher::Verdict::accept);
}

TEST(LibcameraSettle, TimesOutWithAnActionableError) {
  SettleMatcher m({20000, 2.0f}, MatchTolerance{}, 4);
  for (uint32_t i = 0; i < 3; ++i)
    EXPECT_EQ(m.feed(md(i, 9000, 2.0f)), SettleMatcher::Verdict::skip);
  EXPECT_EQ(m.feed(md(3, 9000, 2.0f)), SettleMatcher::Verdict::timeout);
  const auto e = m.timeout_error();
  EXPECT_EQ(e.code, Errc::timeout);
  EXPECT_NE(e.message.find("20000 us"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("within 4 frames"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("frame 3 reported 9000 us"), std::string::npos) << e.message;
}

TEST(LibcameraSettle, ToleranceBoundaries) {
  const MatchTolerance tol;  // 2 % or 60 us, gain 2 %
  // Short shutter: the absolute floor applies (2 % of 1000 us is only 20 us).
  EXPECT_TRUE(metadata_matches({1000, 1.0f}, md(0, 1060, 1.0f), tol));
  EXPECT_FALSE(metadata_matches({1000, 1.0f}, md(0, 1061, 1.0f), tol));
  // Long shutter: relative tolerance.
  EXPECT_TRUE(metadata_matches({100000, 1.0f}, md(0, 98000, 1.0f), tol));
  EXPECT_FALSE(metadata_matches({100000, 1.0f}, md(0, 97900, 1.0f), tol));
  EXPECT_TRUE(metadata_matches({8000, 8.0f}, md(0, 8000, 7.85f), tol));
  EXPECT_FALSE(metadata_matches({8000, 8.0f}, md(0, 8000, 7.8f), tol));
}

TEST(LibcameraFormats, ParsesBayerNames) {
  auto a = parse_raw_format("SBGGR12_CSI2P");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->cfa, "BGGR");
  EXPECT_EQ(a->bits, 12);
  EXPECT_EQ(a->packing, RawPacking::csi2p);
  auto b = parse_raw_format("SGRBG16");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->cfa, "GRBG");
  EXPECT_EQ(b->bits, 16);
  EXPECT_EQ(b->packing, RawPacking::none);
  EXPECT_FALSE(parse_raw_format("RGGB_PISP_COMP1"));
  EXPECT_FALSE(parse_raw_format("SRGGB10_IPU3"));
  EXPECT_FALSE(parse_raw_format("SRGGB8"));
  EXPECT_FALSE(parse_raw_format("SRGGB14_CSI2P"));  // no unpacker for packed RAW14
  EXPECT_FALSE(parse_raw_format("YUV420"));
  EXPECT_FALSE(parse_raw_format("SXXXX12"));
}

TEST(LibcameraFormats, Pi4PrefersUnpackedDeepestFormat) {
  auto c = choose_raw_format({"SRGGB10_CSI2P", "SRGGB10", "SRGGB12_CSI2P", "SRGGB12"});
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->name, "SRGGB12");
  EXPECT_EQ(c->packing, RawPacking::none);
}

TEST(LibcameraFormats, PackedOnlyIsUnpackedByUs) {
  auto c = choose_raw_format({"SBGGR10_CSI2P", "SBGGR12_CSI2P"});
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->name, "SBGGR12_CSI2P");
  EXPECT_EQ(c->packing, RawPacking::csi2p);
}

TEST(LibcameraFormats, Pi5ChoosesUnpacked16OverCompressed) {
  auto c = choose_raw_format({"BGGR_PISP_COMP1", "SBGGR16"});
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->name, "SBGGR16");
  EXPECT_EQ(c->bits, 16);
}

TEST(LibcameraFormats, CompressedOnlyIsAClearUnsupportedError) {
  auto c = choose_raw_format({"BGGR_PISP_COMP1"});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, Errc::unsupported);
  EXPECT_NE(c.error().message.find("BGGR_PISP_COMP1"), std::string::npos) << c.error().message;
  EXPECT_NE(c.error().message.find("unpacked 16-bit"), std::string::npos) << c.error().message;
}

TEST(LibcameraFormats, ProcessedStreamPrefersYuv420) {
  EXPECT_EQ(*choose_processed_format({"XRGB8888", "RGB888", "YUV420"}), "YUV420");
  EXPECT_EQ(*choose_processed_format({"XRGB8888", "BGR888"}), "BGR888");
  auto e = choose_processed_format({"NV12"});
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.error().message.find("NV12"), std::string::npos);
}

TEST(LibcameraColour, BlackLevelsScaleFrom16Bit) {
  EXPECT_EQ(black_level_for_bits({4096, 4096, 4096, 4096}, 12), 256);
  EXPECT_EQ(black_level_for_bits({4096, 4096, 4096, 4096}, 10), 64);
  EXPECT_EQ(black_level_for_bits({4096, 4096, 4096, 4096}, 16), 4096);
  EXPECT_EQ(black_level_for_bits({4000, 4100, 4100, 4200}, 16), 4100);
}

std::array<double, 3> apply(const std::array<double, 9>& m, const std::array<double, 3>& v) {
  return {m[0] * v[0] + m[1] * v[1] + m[2] * v[2], m[3] * v[0] + m[4] * v[1] + m[5] * v[2],
          m[6] * v[0] + m[7] * v[1] + m[8] * v[2]};
}

TEST(LibcameraColour, D65WhiteMapsToTheAsShotNeutral) {
  // A plausible Pi CCM (rows sum to 1, as a CCM preserving white must) and AWB gains.
  const std::array<float, 9> ccm = {1.80f,  -0.60f, -0.20f, -0.35f, 1.65f,
                                    -0.30f, 0.05f,  -0.75f, 1.70f};
  auto c = dng_colour(ccm, std::array<float, 2>{2.1f, 1.6f});
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_NEAR(c->as_shot_neutral[0], 1 / 2.1, 1e-6);
  EXPECT_DOUBLE_EQ(c->as_shot_neutral[1], 1.0);
  EXPECT_NEAR(c->as_shot_neutral[2], 1 / 1.6, 1e-6);
  const auto cam = apply(c->color_matrix1, {0.95047, 1.0, 1.08883});  // XYZ of D65
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(cam[i], c->as_shot_neutral[i], 2e-4) << i;
}

TEST(LibcameraColour, DefaultsAndBadInput) {
  auto c = dng_colour(std::nullopt, std::nullopt);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->as_shot_neutral, (std::array<double, 3>{1, 1, 1}));
  // Identity CCM: ColorMatrix1 is XYZ->linear sRGB; its first entry is ~3.2406.
  EXPECT_NEAR(c->color_matrix1[0], 3.2406, 1e-3);
  EXPECT_FALSE(dng_colour(std::nullopt, std::array<float, 2>{0.0f, 1.0f}).ok());
  EXPECT_FALSE(dng_colour(std::array<float, 9>{}, std::nullopt).ok());  // singular
}

}  // namespace
}  // namespace tb::hal::libcamera_backend
