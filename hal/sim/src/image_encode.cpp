#include "image_encode.hpp"

#include <fmt/format.h>
#include <turbojpeg.h>

#include <algorithm>
#include <cmath>
#include <memory>

namespace tb::hal::sim {
namespace {

constexpr int kLutSize = 16384;

// Linear -> 8-bit sRGB, sampled finely enough that rounding to 8 bits dominates the error.
const std::array<uint8_t, kLutSize + 1>& srgb_lut() {
  static const auto lut = [] {
    std::array<uint8_t, kLutSize + 1> t{};
    for (int i = 0; i <= kLutSize; ++i) {
      const double v = static_cast<double>(i) / kLutSize;
      const double s = v <= 0.0031308 ? 12.92 * v : 1.055 * std::pow(v, 1.0 / 2.4) - 0.055;
      t[i] = static_cast<uint8_t>(std::lround(std::clamp(s, 0.0, 1.0) * 255.0));
    }
    return t;
  }();
  return lut;
}

struct TjDeleter {
  void operator()(void* h) const { tjDestroy(static_cast<tjhandle>(h)); }
};

}  // namespace

Result<std::vector<uint8_t>> encode_jpeg_srgb(const LinearImage& img, int quality) {
  if (img.width <= 0 || img.height <= 0 ||
      img.rgb.size() != static_cast<size_t>(img.width) * img.height * 3)
    return make_error(Errc::invalid, "encode_jpeg_srgb: image {}x{} with {} samples is malformed",
                      img.width, img.height, img.rgb.size());
  const auto& lut = srgb_lut();
  std::vector<uint8_t> rgb8(img.rgb.size());
  for (size_t i = 0; i < img.rgb.size(); ++i) {
    const float s = img.rgb[i];
    const float v = s >= 0.0f ? std::min(s, 1.0f) : 0.0f;  // NaN -> 0: the LUT index stays valid
    rgb8[i] = lut[static_cast<size_t>(v * kLutSize + 0.5f)];
  }
  std::unique_ptr<void, TjDeleter> tj(tjInitCompress());
  if (!tj)
    return make_error(Errc::internal, "TurboJPEG: tjInitCompress failed: {}", tjGetErrorStr());
  unsigned char* buf = nullptr;
  unsigned long size = 0;
  const int rc = tjCompress2(static_cast<tjhandle>(tj.get()), rgb8.data(), img.width, 0, img.height,
                             TJPF_RGB, &buf, &size, TJSAMP_420, quality, TJFLAG_ACCURATEDCT);
  if (rc != 0) {
    std::string why = tjGetErrorStr2(static_cast<tjhandle>(tj.get()));
    tjFree(buf);
    return make_error(Errc::internal, "TurboJPEG: compressing {}x{} failed: {}", img.width,
                      img.height, why);
  }
  std::vector<uint8_t> out(buf, buf + size);
  tjFree(buf);
  return out;
}

dng::BayerImage mosaic_rggb(const LinearImage& img, uint16_t black, uint16_t white) {
  dng::BayerImage b;
  b.width = img.width;
  b.height = img.height;
  b.cfa = "RGGB";
  b.bits = 16;
  b.black_level = black;
  b.white_level = white;
  // Our linear RGB has sRGB primaries, so the camera space is linear sRGB: XYZ(D65) -> sRGB.
  b.color_matrix1 = {3.2406, -1.5372, -0.4986, -0.9689, 1.8758, 0.0415, 0.0557, -0.2040, 1.0570};
  b.as_shot_neutral = {1, 1, 1};
  b.pixels.resize(static_cast<size_t>(img.width) * img.height);
  const float range = static_cast<float>(white - black);
  for (int y = 0; y < img.height; ++y)
    for (int x = 0; x < img.width; ++x) {
      // RGGB: (even, even) red, (odd, odd) blue, the rest green.
      const int c = (y & 1) == 0 ? ((x & 1) == 0 ? 0 : 1) : ((x & 1) == 0 ? 1 : 2);
      const size_t i = static_cast<size_t>(y) * img.width + x;
      const float s = img.rgb[i * 3 + c];
      const float v = s >= 0.0f ? std::min(s, 1.0f) : 0.0f;
      b.pixels[i] = static_cast<uint16_t>(std::lround(black + v * range));
    }
  return b;
}

std::string camera_file_name(int number, const std::string& upper_ext) {
  // Cameras count 0001..9999 and start over; fold any number into that range.
  const int n = ((number - 1) % 9999 + 9999) % 9999 + 1;
  return fmt::format("DSC_{:04}.{}", n, upper_ext);
}

}  // namespace tb::hal::sim
