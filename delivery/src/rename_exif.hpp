#pragma once
// The time a shot was taken, from its images' EXIF (exiv2) or its sidecar's XMP.
// Private to delivery/src.
#include <filesystem>
#include <string>
#include <vector>

#include "tetherbox/common/result.hpp"
#include "tetherbox/common/time_utc.hpp"

namespace tb::delivery {

struct ShotTime {
  UtcTime utc{};
  std::string source;  // "EXIF DateTimeOriginal+02:00 (IMG_1.CR2)", for the log and a person
};

// The first image (in the given order) with a usable EXIF DateTimeOriginal, else
// DateTimeDigitized; then the sidecars' exif:DateTimeOriginal / xmp:CreateDate. With an
// offset (OffsetTimeOriginal, or the zone of the XMP date) the time is turned into UTC;
// without one the camera's clock is taken as written. Errors (Errc::not_found) say why
// no image gave a date: none recorded, a blank/invalid one, or exiv2 could not read it.
Result<ShotTime> shot_time(const std::vector<std::filesystem::path>& images,
                           const std::vector<std::filesystem::path>& sidecars);

// "YYYY:MM:DD HH:MM:SS" (EXIF) or "YYYY-MM-DDTHH:MM[:SS][.fff][Z|+hh:mm]" (XMP) into UTC;
// `offset` ("+02:00") applies when the text carries no zone. nullopt when not a real date.
std::optional<UtcTime> parse_photo_time(const std::string& text, const std::string& subsec,
                                        const std::string& offset, bool* had_zone);

}  // namespace tb::delivery
