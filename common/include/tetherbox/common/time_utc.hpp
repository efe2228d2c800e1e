#pragma once
// UTC formatting for records. Records carry the system clock (disciplined by chrony/gpsd);
// intervals and timeouts use steady_clock and never appear in records.
#include <chrono>
#include <optional>
#include <string>

namespace tb {

using UtcTime = std::chrono::system_clock::time_point;
using SteadyTime = std::chrono::steady_clock::time_point;

// "2026-11-25T16:35:52.123456+00:00" — ISO 8601 with microseconds and an explicit zone.
std::string format_utc_iso(UtcTime t);
// "2026-11-25T163552Z" — compact form safe for folder names.
std::string format_utc_compact(UtcTime t);
// EXIF style "2026:11:25 16:35:52" (no zone; pair with OffsetTime "+00:00").
std::string format_exif_datetime(UtcTime t);
// Sub-second digits "123" (milliseconds) for EXIF SubSecTimeOriginal.
std::string format_subsec_ms(UtcTime t);
// Parses the ISO form produced by format_utc_iso (zone must be +00:00 or Z).
std::optional<UtcTime> parse_utc_iso(const std::string& s);

double seconds_between(SteadyTime a, SteadyTime b);

}  // namespace tb
