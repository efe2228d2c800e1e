#include "tetherbox/hal/libcamera/frame_convert.hpp"

#include <turbojpeg.h>

#include <bit>
#include <cstring>
#include <memory>

namespace tb::hal::libcamera_backend {
namespace {

struct TjDeleter {
  void operator()(void* h) const {
    if (h) tjDestroy(h);
  }
};
using TjHandle = std::unique_ptr<void, TjDeleter>;

Result<std::vector<uint8_t>> take_jpeg(unsigned char* buf, unsigned long size) {
  std::vector<uint8_t> out(buf, buf + size);
  tjFree(buf);
  return out;
}

}  // namespace

Result<dng::BayerImage> bayer_from_buffer(std::span<const uint8_t> data, int width, int height,
                                          std::size_t stride, const RawFormatChoice& format) {
  dng::BayerImage img;
  img.width = width;
  img.height = height;
  img.cfa = format.cfa;
  img.bits = format.bits;
  img.white_level = static_cast<uint16_t>((1u << format.bits) - 1);
  if (format.packing == RawPacking::csi2p) {
    auto px = format.bits == 10 ? dng::unpack_csi2p10(data, width, height, stride)
                                : dng::unpack_csi2p12(data, width, height, stride);
    TB_TRY(px);
    img.pixels = std::move(*px);
    return img;
  }
  const std::size_t row = static_cast<std::size_t>(width) * 2;
  if (width <= 0 || height <= 0 || stride < row ||
      data.size() < stride * static_cast<std::size_t>(height - 1) + row)
    return make_error(Errc::invalid, "{}: buffer of {} bytes cannot hold {}x{} at stride {}",
                      format.name, data.size(), width, height, stride);
  img.pixels.resize(static_cast<std::size_t>(width) * height);
  // Little-endian containers, as on every Pi: a row copy is the whole conversion.
  static_assert(std::endian::native == std::endian::little);
  for (int y = 0; y < height; ++y)
    std::memcpy(img.pixels.data() + static_cast<std::size_t>(y) * width, data.data() + stride * y,
                row);
  return img;
}

Result<std::vector<uint8_t>> jpeg_from_yuv420(const Yuv420Planes& p, int width, int height,
                                              int quality) {
  const auto ch = static_cast<std::size_t>((height + 1) / 2);
  if (width <= 0 || height <= 0 || p.y_stride < width || p.uv_stride < (width + 1) / 2 ||
      p.y.size() < static_cast<std::size_t>(p.y_stride) * height ||
      p.u.size() < static_cast<std::size_t>(p.uv_stride) * ch ||
      p.v.size() < static_cast<std::size_t>(p.uv_stride) * ch)
    return make_error(Errc::invalid, "YUV420 planes too small for {}x{}", width, height);
  TjHandle tj(tjInitCompress());
  if (!tj) return make_error(Errc::internal, "TurboJPEG: {}", tjGetErrorStr2(nullptr));
  const unsigned char* planes[3] = {p.y.data(), p.u.data(), p.v.data()};
  const int strides[3] = {p.y_stride, p.uv_stride, p.uv_stride};
  unsigned char* out = nullptr;
  unsigned long size = 0;
  if (tjCompressFromYUVPlanes(tj.get(), planes, width, strides, height, TJSAMP_420, &out, &size,
                              quality, TJFLAG_ACCURATEDCT) != 0) {
    tjFree(out);
    return make_error(Errc::internal, "TurboJPEG could not encode YUV420: {}",
                      tjGetErrorStr2(tj.get()));
  }
  return take_jpeg(out, size);
}

Result<std::vector<uint8_t>> jpeg_from_rgb24(std::span<const uint8_t> data, int width, int height,
                                             int stride, const std::string& format, int quality) {
  int pf;
  if (format == "RGB888")
    pf = TJPF_BGR;
  else if (format == "BGR888")
    pf = TJPF_RGB;
  else
    return make_error(Errc::unsupported, "no JPEG path for pixel format {}", format);
  if (width <= 0 || height <= 0 || stride < width * 3 ||
      data.size() < static_cast<std::size_t>(stride) * (height - 1) + width * 3)
    return make_error(Errc::invalid, "{} buffer too small for {}x{}", format, width, height);
  TjHandle tj(tjInitCompress());
  if (!tj) return make_error(Errc::internal, "TurboJPEG: {}", tjGetErrorStr2(nullptr));
  unsigned char* out = nullptr;
  unsigned long size = 0;
  if (tjCompress2(tj.get(), data.data(), width, stride, height, pf, &out, &size, TJSAMP_420,
                  quality, TJFLAG_ACCURATEDCT) != 0) {
    tjFree(out);
    return make_error(Errc::internal, "TurboJPEG could not encode {}: {}", format,
                      tjGetErrorStr2(tj.get()));
  }
  return take_jpeg(out, size);
}

}  // namespace tb::hal::libcamera_backend
