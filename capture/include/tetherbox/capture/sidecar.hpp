#pragma once
// XMP sidecar via exiv2: EXIF-equivalent exposure, UTC DateTimeOriginal with +00:00 and
// subseconds, GPS in exif: (or an explicit no-fix), exifEX Temperature/Humidity/Pressure,
// and the sequence position in the tetherbox namespace.
#include <string>

#include "tetherbox/capture/record.hpp"
#include "tetherbox/common/result.hpp"

namespace tb::capture {

inline constexpr const char* kTetherboxXmpNs = "http://tetherbox.dev/ns/1.0/";
inline constexpr const char* kTetherboxXmpPrefix = "tetherbox";

struct SidecarContext {
  std::string session;
  std::string camera_model;
  std::string camera_serial;
  std::string lens;
  double focal_length_mm = 0;
  std::string creator;
  std::string copyright;
  std::string original_file;  // file name of the original this sidecar describes
};

// Returns the XMP packet text (UTF-8). Thread-safe (registers the namespace once).
Result<std::string> make_sidecar(const FrameRecord& rec, const SidecarContext& ctx);
// The same packet with every GPS tag removed (time kept): used on delivery for privacy.
Result<std::string> strip_gps(const std::string& xmp_packet);

}  // namespace tb::capture
