#include <algorithm>
#include <cmath>

#include "tetherbox/hal/libcamera/control_logic.hpp"

namespace tb::hal::libcamera_backend {

float iso_to_gain(int iso) {
  return static_cast<float>(std::max(iso, 1)) / 100.0f;
}

int gain_to_iso(double gain) {
  return static_cast<int>(std::lround(gain * 100.0));
}

int32_t shutter_to_us(double shutter_s) {
  const double us = std::round(shutter_s * 1e6);
  return static_cast<int32_t>(std::clamp(us, 1.0, 2147483647.0));
}

uint16_t black_level_for_bits(const std::array<int32_t, 4>& levels_16bit, int bits) {
  const double mean =
      (double(levels_16bit[0]) + levels_16bit[1] + levels_16bit[2] + levels_16bit[3]) / 4.0;
  const int shift = 16 - std::clamp(bits, 1, 16);
  return static_cast<uint16_t>(std::clamp(std::lround(mean / double(1 << shift)), 0L, 65535L));
}

}  // namespace tb::hal::libcamera_backend
