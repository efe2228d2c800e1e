#pragma once
// Typed setters over libtiff's varargs TIFFSetField. libtiff decides per tag whether an array
// is passed with a count and whether rationals are stored as float or double (this changed
// across 4.x releases), so the setters ask the field definition instead of assuming.
#include <tiffio.h>

#include <span>
#include <string>

#include "tetherbox/common/result.hpp"

namespace tb::hal::dng::detail {

Status set_reals(TIFF* tif, uint32_t tag, std::span<const double> values);
Status set_real(TIFF* tif, uint32_t tag, double value);
Status set_bytes(TIFF* tif, uint32_t tag, std::span<const uint8_t> values);
Status set_shorts(TIFF* tif, uint32_t tag, std::span<const uint16_t> values);
Status set_longs(TIFF* tif, uint32_t tag, std::span<const uint32_t> values);
Status set_short(TIFF* tif, uint32_t tag, uint16_t value);
Status set_long(TIFF* tif, uint32_t tag, uint32_t value);
Status set_text(TIFF* tif, uint32_t tag, const std::string& value);

}  // namespace tb::hal::dng::detail
