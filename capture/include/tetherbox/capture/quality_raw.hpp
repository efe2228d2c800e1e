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
// The green of the RAW, black-subtracted, the input of the sharpness measure: for a 2x2
// pattern the first green site of each cell (half the sensor's width and height) in v, the
// second in v2 (same scene, independent noise: the measure's noise estimate), and the white
// level over the black (0: unknown).
struct Plane {
  int width = 0, height = 0;
  std::vector<float> v;
  std::vector<float> v2;  // empty when the pattern has a single green site
  // Where the second green site sits from the first, in photosites (RGGB: x -1, y +1): its
  // four diagonal neighbours are first-green sites, which the noise estimate interpolates.
  int v2_dx = 0, v2_dy = 0;
  float white = 0;
};
RawLevels measure_raw(std::span<const uint8_t> dng, Plane* green = nullptr);

// The same green handed over one cell row at a time while the RAW is read, so a consumer that
// needs only a few rows at once (the sharpness measure) costs no 48 MB plane per 24 MP frame.
// begin() once with the plane's shape (as Plane: width, height, v2_dx/v2_dy, white), then
// row() for y = 0 .. height-1 in order; v2 is nullptr when the pattern has one green site.
// When row y comes, rows y-1 and y-2 are still readable where they were handed over (no
// further back). A RAW that turns out truncated stops the rows early (and comes back
// unmeasured).
class GreenRows {
 public:
  struct Shape {
    int width = 0, height = 0;
    bool two = false;  // a second green site per cell (v2)
    int v2_dx = 0, v2_dy = 0;
    float white = 0;
  };
  virtual void begin(const Shape& shape) = 0;
  virtual void row(int y, const float* v, const float* v2) = 0;

 protected:
  ~GreenRows() = default;
};
RawLevels measure_raw(std::span<const uint8_t> dng, GreenRows& green);

}  // namespace tb::capture::quality
