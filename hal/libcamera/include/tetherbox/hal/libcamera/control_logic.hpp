#pragma once
// The decisions of the libcamera backend that need no camera: control values, which frame is the
// first one exposed as commanded, which RAW format to ask for, and DNG colour tags. Kept free of
// libcamera headers so they are unit tested here and behave the same on every libcamera version.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tetherbox/common/result.hpp"

namespace tb::hal::libcamera_backend {

// ISO 100 is unity analogue gain on Pi sensors (libcamera has no ISO control).
float iso_to_gain(int iso);
int gain_to_iso(double gain);
// Shutter seconds -> the ExposureTime control (integer microseconds, at least 1).
int32_t shutter_to_us(double shutter_s);

// What the camera commanded, and how close a frame's metadata must be to count as "applied".
struct Commanded {
  int32_t exposure_us = 0;
  float gain = 1.0f;
};
struct MatchTolerance {
  double exposure_rel = 0.02;    // sensors quantise exposure to whole lines
  int32_t exposure_abs_us = 60;  // ... which is tens of microseconds at short shutters
  double gain_rel = 0.02;        // analogue gain steps are coarse at high gain
};
struct FrameMetadata {
  uint32_t sequence = 0;
  std::optional<int32_t> exposure_us;
  std::optional<float> gain;
};

bool metadata_matches(const Commanded& c, const FrameMetadata& m, const MatchTolerance& tol);

// Controls apply a few frames late: frames are skipped until one reports the commanded values.
// After max_frames frames without a match the verdict is timeout, with a message naming the
// last values seen.
class SettleMatcher {
 public:
  enum class Verdict { skip, accept, timeout };
  SettleMatcher(Commanded c, MatchTolerance tol, int max_frames);
  Verdict feed(const FrameMetadata& m);
  int frames_seen() const { return seen_; }
  // Why the last frame was not accepted (empty after accept).
  const std::string& reason() const { return reason_; }
  Error timeout_error() const;

 private:
  Commanded c_;
  MatchTolerance tol_;
  int max_frames_;
  int seen_ = 0;
  std::string reason_;
};

// RAW stream format choice from the names libcamera offers (PixelFormat::toString()).
enum class RawPacking { none, csi2p };
struct RawFormatChoice {
  std::string name;  // e.g. "SRGGB16", "SBGGR12_CSI2P"
  std::string cfa;   // "RGGB" ...
  int bits = 0;      // significant bits of each sample as delivered
  RawPacking packing = RawPacking::none;
};
// Parses one Bayer format name; nullopt for non-Bayer or unsupported (PISP_COMP*, mono, IPU3...).
std::optional<RawFormatChoice> parse_raw_format(const std::string& name);
// Prefers unpacked samples (no CPU unpack; on Pi 5 the only uncompressed option), then the
// deepest bit depth; CSI-2 packed RAW10/12 next. Compressed formats are never chosen: if nothing
// else is offered the error says so and lists what was.
Result<RawFormatChoice> choose_raw_format(const std::vector<std::string>& offered);

// Processed-stream choice for the JPEG: YUV420 (TurboJPEG encodes its planes directly), else
// RGB888/BGR888.
Result<std::string> choose_processed_format(const std::vector<std::string>& offered);

// DNG colour tags from the ISP's metadata: ColourGains (R, B; after them the CCM maps camera RGB
// to linear sRGB). ColorMatrix1 = inverse(sRGB->XYZ(D65) * CCM * diag(gains)), AsShotNeutral =
// 1/gains. Identity CCM / unit gains when the metadata lacks them.
struct DngColour {
  std::array<double, 9> color_matrix1{};
  std::array<double, 3> as_shot_neutral{};
};
Result<DngColour> dng_colour(const std::optional<std::array<float, 9>>& ccm,
                             const std::optional<std::array<float, 2>>& colour_gains);

// Black level for a format of `bits` significant bits from libcamera's SensorBlackLevels
// (which are on a 16-bit scale), averaged over the four channels.
uint16_t black_level_for_bits(const std::array<int32_t, 4>& levels_16bit, int bits);

}  // namespace tb::hal::libcamera_backend
