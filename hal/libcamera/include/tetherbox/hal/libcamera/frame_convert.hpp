#pragma once
// Buffers as libcamera maps them -> the files tetherbox stores. Plain bytes in, no libcamera
// types, so the conversions are tested without a camera.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "tetherbox/common/result.hpp"
#include "tetherbox/hal/dng/dng.hpp"
#include "tetherbox/hal/libcamera/control_logic.hpp"

namespace tb::hal::libcamera_backend {

// RAW stream buffer (rows of `stride` bytes) -> one uint16 per photosite. Unpacked formats are
// little-endian 16-bit containers; CSI-2 packed RAW10/12 are unpacked.
Result<dng::BayerImage> bayer_from_buffer(std::span<const uint8_t> data, int width, int height,
                                          std::size_t stride, const RawFormatChoice& format);

// Planar YUV 4:2:0 (I420: Y, then U, then V planes) -> JPEG.
struct Yuv420Planes {
  std::span<const uint8_t> y, u, v;
  int y_stride = 0, uv_stride = 0;
};
Result<std::vector<uint8_t>> jpeg_from_yuv420(const Yuv420Planes& planes, int width, int height,
                                              int quality);

// Packed 24-bit RGB -> JPEG. libcamera's RGB888 is DRM's: bytes B, G, R in memory; BGR888 is
// R, G, B. `format` is the libcamera name.
Result<std::vector<uint8_t>> jpeg_from_rgb24(std::span<const uint8_t> data, int width, int height,
                                             int stride, const std::string& format, int quality);

}  // namespace tb::hal::libcamera_backend
