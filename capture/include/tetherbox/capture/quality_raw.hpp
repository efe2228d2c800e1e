#pragma once
// Exposure quality from the RAW: per colour channel, the fraction of photosites at the sensor's
// white level (clipped highlights) and at or below its black level (crushed shadows), read from
// the DNG's own CFA data and levels — not from the camera's JPEG, whose tone curve clips
// earlier and hides what the sensor recorded.
#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "tetherbox/capture/record.hpp"

namespace tb::capture::quality {

// Measures a DNG (uncompressed CFA, 8..16-bit, 2x2 or larger repeat pattern). Never throws;
// anything it cannot read (not a DNG, compressed data, no WhiteLevel/BlackLevel, a truncated
// file) comes back unmeasured with the reason.
// One colour plane of the RAW, black-subtracted: for a 2x2 pattern the first green site of
// each cell (half the sensor's width and height), the input of the sharpness measure.
struct Plane {
  int width = 0, height = 0;
  std::vector<float> v;
};
RawLevels measure_raw(std::span<const uint8_t> dng, Plane* green = nullptr);

}  // namespace tb::capture::quality
