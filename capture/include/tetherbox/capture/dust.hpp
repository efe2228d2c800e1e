#pragma once
// Dust on the sensor, found from a session's own frames (issue 12 item 4): a dark spot that
// stays at the same sensor position while the content moves (the turntable turns, the camera
// changes ring) is on the sensor, not in the scene.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "tetherbox/common/result.hpp"

namespace tb::capture {

struct DustSpeckFound {
  double x = 0, y = 0;  // centre, sensor pixels (of the images measured) from the top-left
  double radius = 0;    // pixels, the extent where it darkens by more than the threshold
  double contrast = 0;  // how much darker at its centre, 0..1 (of the encoded image)
};

struct DustMap {
  int width = 0, height = 0;  // the measured images' size (full-size JPEGs, else previews)
  std::string source;         // "JPEG originals" or "previews"
  size_t frames_used = 0;
  size_t views = 0;        // distinct (elevation, azimuth) among them: one vote each
  size_t view_groups = 0;  // distinct camera elevations among them (content moves between)
  std::vector<DustSpeckFound> specks;
  std::vector<std::string> skipped;  // "<frame>: why" (unreadable, other size, ...)
  // The mask (255 = dust) at mask_width x mask_height; one mask pixel covers mask_scale
  // image pixels a side.
  int mask_width = 0, mask_height = 0;
  double mask_scale = 1;
  std::vector<uint8_t> mask;
};

// Reads the frames the bag's journal lists (the newest take of each position), decodes their
// JPEG (originals when there are, else previews), and finds the specks. Errors: no journal, no
// usable frame, fewer than kMinDustFrames frames.
constexpr size_t kMinDustFrames = 5;
Result<DustMap> find_dust(const std::filesystem::path& bag_dir);

// report.json's "dust" object for a map (mask names the PNG under data/).
nlohmann::json dust_json(const DustMap& map, const std::string& mask);

// An 8-bit grey PNG (stored deflate blocks: no zlib needed, any PNG reader opens it).
std::vector<uint8_t> encode_png_gray(const std::vector<uint8_t>& pixels, int width, int height);

}  // namespace tb::capture
