// Previews through the real TurboJPEG: sizes, decodability and the clipping measures.
#include <gtest/gtest.h>
#include <turbojpeg.h>

#include <cstdint>
#include <random>
#include <vector>

#include "preview_image.hpp"
#include "tetherbox/capture/preview.hpp"

using namespace tb::capture;

namespace {

struct Image {
  int w = 0, h = 0;
  std::vector<uint8_t> rgb;
  double high_fraction = 0, low_fraction = 0, mean = 0;  // computed on the source
};

// A gradient that stays well inside 6..249 on every channel, a saturated white patch and a
// black patch of known areas (aligned to 8x8 blocks so JPEG ringing stays at the edges).
Image synthetic(int w, int h, int px0, int py0, int pw, int ph, int bx0, int by0, int bw, int bh) {
  Image im{w, h, std::vector<uint8_t>(static_cast<size_t>(w) * h * 3)};
  size_t high = 0, low = 0;
  double luma = 0;
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      uint8_t* p = &im.rgb[(static_cast<size_t>(y) * w + x) * 3];
      p[0] = static_cast<uint8_t>(30 + 180 * x / w);
      p[1] = static_cast<uint8_t>(30 + 180 * y / h);
      p[2] = 120;
      if (x >= px0 && x < px0 + pw && y >= py0 && y < py0 + ph) {
        p[0] = p[1] = p[2] = 255;
        ++high;
      } else if (x >= bx0 && x < bx0 + bw && y >= by0 && y < by0 + bh) {
        p[0] = p[1] = p[2] = 0;
        ++low;
      }
      luma += 0.2126 * p[0] + 0.7152 * p[1] + 0.0722 * p[2];
    }
  }
  const double n = static_cast<double>(w) * h;
  im.high_fraction = high / n;
  im.low_fraction = low / n;
  im.mean = luma / (255.0 * n);
  return im;
}

std::vector<uint8_t> encode_jpeg(const Image& im, int quality) {
  tjhandle h = tjInitCompress();
  unsigned char* buf = nullptr;
  unsigned long size = 0;
  EXPECT_EQ(
      tjCompress2(h, im.rgb.data(), im.w, 0, im.h, TJPF_RGB, &buf, &size, TJSAMP_420, quality, 0),
      0)
      << tjGetErrorStr2(h);
  std::vector<uint8_t> out(buf, buf + size);
  tjFree(buf);
  tjDestroy(h);
  return out;
}

struct Decoded {
  int w = 0, h = 0;
  std::vector<uint8_t> rgb;
};

Decoded decode_jpeg(const std::vector<uint8_t>& jpeg) {
  Decoded d;
  tjhandle h = tjInitDecompress();
  int ss = 0, cs = 0;
  EXPECT_EQ(tjDecompressHeader3(h, jpeg.data(), jpeg.size(), &d.w, &d.h, &ss, &cs), 0)
      << tjGetErrorStr2(h);
  d.rgb.resize(static_cast<size_t>(d.w) * d.h * 3);
  EXPECT_EQ(tjDecompress2(h, jpeg.data(), jpeg.size(), d.rgb.data(), d.w, 0, d.h, TJPF_RGB, 0), 0)
      << tjGetErrorStr2(h);
  tjDestroy(h);
  return d;
}

const Image& landscape() {
  // 3000x2000, white patch 600x400 (4 %), black patch 304x200 (~1.01 %).
  static const Image im = synthetic(3000, 2000, 200, 160, 600, 400, 2000, 1200, 304, 200);
  return im;
}

}  // namespace

TEST(Preview, FromJpegHasExactSizeDecodesAndMeasuresClipping) {
  const auto& im = landscape();
  const auto jpeg = encode_jpeg(im, 95);
  auto p = make_preview_from_jpeg(jpeg, 1024, 85);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->width, 1024);
  EXPECT_EQ(p->height, 683);  // 2000 * 1024 / 3000 = 682.67, rounded
  const auto d = decode_jpeg(p->jpeg);
  EXPECT_EQ(d.w, 1024);
  EXPECT_EQ(d.h, 683);
  EXPECT_NEAR(p->histogram.clipped_high, im.high_fraction, 0.02);
  EXPECT_NEAR(p->histogram.clipped_low, im.low_fraction, 0.02);
  EXPECT_NEAR(p->histogram.mean, im.mean, 0.02);
  EXPECT_GT(p->histogram.clipped_high, 0.03);  // the patch is really seen, not a zero histogram
  // The histogram belongs to the preview that was delivered: re-measure the decoded preview.
  const auto again = previewimg::measure(d.rgb, d.w, d.h);
  EXPECT_NEAR(again.clipped_high, p->histogram.clipped_high, 0.01);
  EXPECT_NEAR(again.mean, p->histogram.mean, 0.01);
}

TEST(Preview, FromRgbMatchesJpegPath) {
  const auto& im = landscape();
  auto p = make_preview_from_rgb(im.rgb, im.w, im.h, 1024, 85);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->width, 1024);
  EXPECT_EQ(p->height, 683);
  const auto d = decode_jpeg(p->jpeg);
  EXPECT_EQ(d.w, 1024);
  EXPECT_EQ(d.h, 683);
  EXPECT_NEAR(p->histogram.clipped_high, im.high_fraction, 0.02);
  EXPECT_NEAR(p->histogram.clipped_low, im.low_fraction, 0.02);
  EXPECT_NEAR(p->histogram.mean, im.mean, 0.01);
}

TEST(Preview, PortraitAndSmallImages) {
  const Image portrait = synthetic(1200, 1800, 0, 0, 0, 0, 0, 0, 0, 0);
  auto p = make_preview_from_jpeg(encode_jpeg(portrait, 90), 512, 80);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->width, 341);  // 1200 * 512 / 1800 = 341.33
  EXPECT_EQ(p->height, 512);
  EXPECT_EQ(p->histogram.clipped_high, 0.0);

  // Smaller than max_size: kept at its size, never upscaled.
  const Image small = synthetic(640, 480, 0, 0, 64, 48, 0, 0, 0, 0);
  auto s = make_preview_from_jpeg(encode_jpeg(small, 90), 1024, 80);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->width, 640);
  EXPECT_EQ(s->height, 480);
  auto r = make_preview_from_rgb(small.rgb, small.w, small.h, 1024, 80);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_NEAR(r->histogram.clipped_high, 0.01, 0.002);  // 64x48 of 640x480
}

TEST(Preview, CorruptInputIsAClearError) {
  auto empty = make_preview_from_jpeg({}, 1024, 85);
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.error().message.find("not a JPEG"), std::string::npos) << empty.error().message;

  std::mt19937 rng(7);
  std::vector<uint8_t> noise(5000);
  for (auto& b : noise) b = static_cast<uint8_t>(rng());
  noise[0] = 0xFF;
  noise[1] = 0xD8;  // looks like a JPEG, is not one
  auto bad = make_preview_from_jpeg(noise, 1024, 85);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, tb::Errc::invalid);
  EXPECT_NE(bad.error().message.find("corrupt JPEG"), std::string::npos) << bad.error().message;

  // A valid JPEG cut inside its header.
  const auto jpeg = encode_jpeg(synthetic(256, 256, 0, 0, 0, 0, 0, 0, 0, 0), 90);
  std::vector<uint8_t> cut(jpeg.begin(), jpeg.begin() + 100);
  auto c = make_preview_from_jpeg(cut, 128, 85);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("corrupt JPEG"), std::string::npos) << c.error().message;
}

// A JPEG may declare 65535 x 65535: the decode is refused before any allocation instead of
// dying of bad_alloc on a small board.
TEST(Preview, HugeDeclaredSizeIsRefusedBeforeDecoding) {
  auto jpeg = encode_jpeg(synthetic(64, 64, 0, 0, 0, 0, 0, 0, 0, 0), 90);
  size_t sof = 0;
  for (size_t i = 2; i + 8 < jpeg.size(); ++i)
    if (jpeg[i] == 0xFF && jpeg[i + 1] == 0xC0) {
      sof = i;
      break;
    }
  ASSERT_NE(sof, 0u);
  for (size_t k : {sof + 5, sof + 7}) {  // height, then width: 65000
    jpeg[k] = 0xFD;
    jpeg[k + 1] = 0xE8;
  }
  auto p = make_preview_from_jpeg(jpeg, 16384, 85);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message.find("65000x65000 JPEG would decode"), std::string::npos)
      << p.error().message;
}

TEST(Preview, RejectsBadArguments) {
  const auto& im = landscape();
  EXPECT_FALSE(make_preview_from_rgb(im.rgb, im.w, im.h - 1, 1024, 85).ok());  // size mismatch
  EXPECT_FALSE(make_preview_from_rgb(im.rgb, im.w, im.h, 1024, 0).ok());
  EXPECT_FALSE(make_preview_from_rgb(im.rgb, im.w, im.h, 0, 85).ok());
}

TEST(PreviewImage, AreaDownscaleAveragesExactly) {
  // 4x2 -> 2x1: each output pixel is the mean of a 2x2 block.
  const std::vector<uint8_t> src = {0,  0,  0,  10, 10, 10, 100, 0, 0, 200, 0, 0,
                                    20, 20, 20, 30, 30, 30, 0,   0, 0, 100, 0, 0};
  const auto out = previewimg::downscale_area(src, 4, 2, 2, 1);
  ASSERT_EQ(out.size(), 6u);
  EXPECT_EQ(out[0], 15);
  EXPECT_EQ(out[3], 100);
  EXPECT_EQ(out[4], 0);
  // 3 -> 2 (non-integer ratio): weights 2/3,1/3 and 1/3,2/3.
  const std::vector<uint8_t> row = {0, 0, 0, 90, 90, 90, 180, 180, 180};
  const auto o2 = previewimg::downscale_area(row, 3, 1, 2, 1);
  EXPECT_EQ(o2[0], 30);
  EXPECT_EQ(o2[3], 150);
}

TEST(PreviewImage, MeasureCountsClippingAndLuma) {
  // 4 pixels: one with only red saturated, one pure black, one at 5/5/5, one mid grey.
  const std::vector<uint8_t> px = {250, 0, 0, 0, 0, 0, 5, 5, 6, 128, 128, 128};
  const auto h = previewimg::measure(px, 2, 2);
  EXPECT_DOUBLE_EQ(h.clipped_high, 0.25);
  EXPECT_DOUBLE_EQ(h.clipped_low, 0.25);  // 5/5/6 is not clipped: one channel above 5
  EXPECT_TRUE(h.measured);
  EXPECT_FALSE(previewimg::measure({}, 0, 0).measured);
  const double expected =
      (0.2126 * 250 + 0 + (0.2126 * 5 + 0.7152 * 5 + 0.0722 * 6) + 128) / (255.0 * 4);
  EXPECT_NEAR(h.mean, expected, 1e-12);
  EXPECT_EQ(previewimg::fit_size(3000, 2000, 1024), std::make_pair(1024, 683));
  EXPECT_EQ(previewimg::fit_size(2000, 3000, 1024), std::make_pair(683, 1024));
  EXPECT_EQ(previewimg::fit_size(800, 600, 1024), std::make_pair(800, 600));
}
