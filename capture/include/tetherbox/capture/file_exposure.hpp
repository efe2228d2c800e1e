#pragma once
// The exposure a frame was taken with, read from the frame's own file (EXIF of a JPEG or of a
// TIFF-based RAW/DNG, through exiv2): the per-frame truth, where a camera's widgets only say
// what was last set.
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace tb::capture {

struct FileExposure {
  std::optional<double> shutter_s;  // Exif.Photo.ExposureTime
  std::optional<double> aperture;   // Exif.Photo.FNumber
  std::optional<int> iso;           // Exif.Photo.ISOSpeedRatings / PhotographicSensitivity
  std::optional<double> focal_length_mm;
  std::string source;  // e.g. "file EXIF (jpg)"
};

// nullopt when the bytes carry no readable exposure (no EXIF, not an image, exiv2 refused).
// Never throws.
std::optional<FileExposure> exposure_from_file(std::span<const uint8_t> bytes);

}  // namespace tb::capture
