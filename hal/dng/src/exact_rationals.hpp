#pragma once
// libtiff stores single EXIF rationals through a float, so 1/125 s comes out as
// 8589935/1073741824. Photographers and exiftool expect 1/125: after libtiff has laid out the
// file, these helpers rewrite such values in place (same 8 bytes) with the best small fraction.
#include <cstdint>
#include <utility>
#include <vector>

#include "tetherbox/common/result.hpp"

namespace tb::hal::dng::detail {

// Closest fraction num/den to v (v >= 0) with den <= max_den, by continued fractions.
std::pair<uint32_t, uint32_t> best_rational(double v, uint32_t max_den = 1000000);

struct RationalValue {
  uint16_t tag = 0;
  double value = 0;
};

// Rewrites the RATIONAL entries named in `values` of the classic-TIFF IFD at `ifd_offset`.
// Tags absent from the IFD are skipped; a malformed IFD is an error.
Status rewrite_rationals(std::vector<uint8_t>& tiff, uint64_t ifd_offset,
                         const std::vector<RationalValue>& values);

}  // namespace tb::hal::dng::detail
