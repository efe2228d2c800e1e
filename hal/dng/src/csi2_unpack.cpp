#include "tetherbox/hal/dng/dng.hpp"

namespace tb::hal::dng {
namespace {

Status check_geometry(const char* what, std::span<const uint8_t> packed, int width, int height,
                      std::size_t stride, std::size_t row_bytes) {
  if (width <= 0 || height <= 0)
    return make_error(Errc::invalid, "{}: bad size {}x{}", what, width, height);
  if (stride < row_bytes)
    return make_error(Errc::invalid, "{}: stride {} is shorter than a packed row of {} bytes", what,
                      stride, row_bytes);
  const std::size_t need = stride * static_cast<std::size_t>(height - 1) + row_bytes;
  if (packed.size() < need)
    return make_error(Errc::invalid, "{}: buffer holds {} bytes, {}x{} at stride {} needs {}", what,
                      packed.size(), width, height, stride, need);
  return ok_status();
}

}  // namespace

std::size_t csi2p10_row_bytes(int width) {
  return width <= 0 ? 0 : (static_cast<std::size_t>(width) + 3) / 4 * 5;
}
std::size_t csi2p12_row_bytes(int width) {
  return width <= 0 ? 0 : (static_cast<std::size_t>(width) + 1) / 2 * 3;
}

Result<std::vector<uint16_t>> unpack_csi2p10(std::span<const uint8_t> packed, int width, int height,
                                             std::size_t stride) {
  TB_TRY(check_geometry("RAW10", packed, width, height, stride, csi2p10_row_bytes(width)));
  std::vector<uint16_t> out(static_cast<std::size_t>(width) * height);
  const int full = width / 4;
  for (int y = 0; y < height; ++y) {
    const uint8_t* s = packed.data() + stride * y;
    uint16_t* d = out.data() + static_cast<std::size_t>(width) * y;
    for (int g = 0; g < full; ++g, s += 5, d += 4) {
      const unsigned lsb = s[4];
      d[0] = static_cast<uint16_t>((s[0] << 2) | (lsb & 3));
      d[1] = static_cast<uint16_t>((s[1] << 2) | ((lsb >> 2) & 3));
      d[2] = static_cast<uint16_t>((s[2] << 2) | ((lsb >> 4) & 3));
      d[3] = static_cast<uint16_t>((s[3] << 2) | (lsb >> 6));
    }
    for (int i = 0; i < width % 4; ++i)
      d[i] = static_cast<uint16_t>((s[i] << 2) | ((s[4] >> (2 * i)) & 3));
  }
  return out;
}

Result<std::vector<uint16_t>> unpack_csi2p12(std::span<const uint8_t> packed, int width, int height,
                                             std::size_t stride) {
  TB_TRY(check_geometry("RAW12", packed, width, height, stride, csi2p12_row_bytes(width)));
  std::vector<uint16_t> out(static_cast<std::size_t>(width) * height);
  const int full = width / 2;
  for (int y = 0; y < height; ++y) {
    const uint8_t* s = packed.data() + stride * y;
    uint16_t* d = out.data() + static_cast<std::size_t>(width) * y;
    for (int g = 0; g < full; ++g, s += 3, d += 2) {
      d[0] = static_cast<uint16_t>((s[0] << 4) | (s[2] & 0xf));
      d[1] = static_cast<uint16_t>((s[1] << 4) | (s[2] >> 4));
    }
    if (width % 2) d[0] = static_cast<uint16_t>((s[0] << 4) | (s[2] & 0xf));
  }
  return out;
}

}  // namespace tb::hal::dng
