#pragma once
// Pixel work behind previews: area-averaging downscale and the histogram measures.
// Private to capture/src.
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "tetherbox/capture/record.hpp"

namespace tb::capture::previewimg {

// Output size that keeps the aspect ratio with the longest edge == max_size (never upscales).
std::pair<int, int> fit_size(int width, int height, int max_size);
// Box (area-average) resample of interleaved 8-bit RGB to dst_w x dst_h (each <= source).
std::vector<uint8_t> downscale_area(std::span<const uint8_t> rgb, int width, int height, int dst_w,
                                    int dst_h);
// clipped_high: any channel >= 250; clipped_low: all channels <= 5; mean: Rec.709 luma of
// the (gamma-encoded) values on 0..1.
Histogram measure(std::span<const uint8_t> rgb, int width, int height);

}  // namespace tb::capture::previewimg
