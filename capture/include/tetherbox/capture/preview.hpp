#pragma once
// Low-res previews (TurboJPEG, decoded at a reduced scale, never full size) and the
// histogram clipping fractions measured on them.
#include <cstdint>
#include <span>
#include <vector>

#include "tetherbox/capture/record.hpp"
#include "tetherbox/common/result.hpp"

namespace tb::capture {

struct Preview {
  std::vector<uint8_t> jpeg;  // encoded preview
  int width = 0, height = 0;
  Histogram histogram;
};

// From a JPEG original: decodes with the largest TurboJPEG scale factor that keeps the longest
// edge >= max_size, scales down to max_size, encodes at `quality`.
Result<Preview> make_preview_from_jpeg(std::span<const uint8_t> jpeg, int max_size, int quality);
// From interleaved 8-bit RGB (e.g. a developed RAW).
Result<Preview> make_preview_from_rgb(std::span<const uint8_t> rgb, int width, int height,
                                      int max_size, int quality);

}  // namespace tb::capture
