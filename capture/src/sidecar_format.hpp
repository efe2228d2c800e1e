#pragma once
// Text forms the XMP sidecar needs that exiv2 does not produce for us: EXIF rationals,
// XMP GPS coordinates and dates with subseconds and an explicit zone. Private to capture/src.
// A value that has no text form (NaN, infinity, a latitude past 90) gives "": the writer
// leaves such a property out rather than write "0/1" or "nan" that would read as measured.
#include <string>

#include "tetherbox/common/time_utc.hpp"

namespace tb::capture::xmpfmt {

// "1/125" for a shutter speed that is a whole fraction of a second, else the closest
// fraction with a denominator <= max_den ("56/10" style values come out reduced: "28/5").
// Defined for every double: |v| >= 2^53 prints whole ("-9223372036854775808/1").
std::string rational(double v, long max_den = 10000);
// Exposure time: "1/125", "1/3", "13/10", "30/1" (photographers' reciprocal form when < 1 s).
std::string exposure_time(double seconds);
// XMP GPSCoordinate "DDD,MM.mmmmmmmmK" with K in N/S (is_lat) or E/W.
std::string gps_coordinate(double deg, bool is_lat);
// "2026-11-25T16:35:52.123+00:00": UTC, milliseconds, explicit zone.
std::string xmp_date_ms(UtcTime t);
// Shortest decimal that round-trips ("0.5", "12.25", "-3").
std::string real(double v);

}  // namespace tb::capture::xmpfmt
