#pragma once
// Location removal for delivery: every place a bag carries a position (journal and report JSON,
// the config snapshot, XMP sidecars, metadata embedded in images) loses it, while UTC time and
// everything else stay. A record says its position was removed rather than looking like a
// frame that had no fix.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "tetherbox/common/result.hpp"

namespace tb::delivery {

// The reason written where a position was.
inline constexpr const char* kGpsRemoved = "removed on export (privacy)";

// Every "gps" object becomes {"fix": false, "reason": kGpsRemoved} (a frame record still
// parses, as a frame without a position); every coordinate key (lat_deg, lon_deg, alt_msl_m,
// latitude, longitude, altitude, lat, lon) anywhere is removed. Returns how many were removed.
size_t strip_gps_json(nlohmann::json& j);
// JSON Lines (the journal): every line stripped; a line that is not JSON is an error naming its
// line number (a position in it could not be proven gone).
Result<std::string> strip_gps_jsonl(const std::string& text, const std::string& name);
// The session.yaml snapshot: coordinate keys removed anywhere (gps.sim's lat/lon/alt).
Result<std::string> strip_gps_yaml(const std::string& text, const std::string& name);

// Rewrites the metadata embedded in an image held in memory (JPEG, DNG/TIFF, PNG, WebP, ...):
// with strip_gps, the EXIF GPS IFD and XMP exif:GPS* properties are removed; with a non-empty
// xmp_packet, its properties are embedded (replacing ones of the same name). *changed tells
// whether the bytes differ from the input (nothing to do leaves them untouched). A file exiv2
// does not know as an image is returned unchanged; one it knows but cannot rewrite, while
// something had to change, is an error (Errc::unsupported) naming the file.
Result<std::vector<uint8_t>> rewrite_image_metadata(const std::vector<uint8_t>& bytes,
                                                    const std::string& name, bool strip_gps,
                                                    const std::string& xmp_packet, bool* changed);

}  // namespace tb::delivery
