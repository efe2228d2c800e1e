#pragma once
// The frame record: one per frame, in the journal (JSON line) and in the sidecar (XMP).
#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tetherbox/common/time_utc.hpp"
#include "tetherbox/hal/camera.hpp"
#include "tetherbox/hal/clock.hpp"
#include "tetherbox/hal/environment.hpp"
#include "tetherbox/hal/gps.hpp"

namespace tb::capture {

struct Position {
  int ring = 0;
  int index_in_ring = 0;
  double azimuth_deg = 0.0;
  double elevation_deg = 0.0;
  std::string light;        // lighting preset name
  int bracket_step = 0;     // index into brackets
  double ev_offset = 0.0;
};

struct GpsRecord {
  bool fix = false;              // false: explicit "no fix" (reason says why)
  std::string reason;            // "no fix", "stale (12.3 s)", "no gps configured", "no data"
  int mode = 0;                  // 0, 2, 3
  double lat_deg = 0, lon_deg = 0;
  std::optional<double> alt_msl_m, hdop, pdop;
  double fix_age_s = 0;
  std::string source;
};

struct AmbientRecord {
  bool available = false;        // false: "unavailable" with reason
  std::string reason;
  std::optional<double> temperature_c, humidity_pct, pressure_hpa;
  std::string sensor_id;
  double reading_age_s = 0;
};

struct FileRecord {
  std::string role;          // "original", "sidecar", "preview"
  std::string path;          // relative to the bag root, e.g. "data/frames/x.dng"
  std::string camera_name;   // camera's own name for originals
  uint64_t size = 0;
  std::string sha256;        // lower-case hex
};

struct Histogram {
  double clipped_high = 0;   // fraction of pixels at the top (any channel saturated)
  double clipped_low = 0;    // fraction at the bottom
  double mean = 0;           // mean luminance 0..1 of the preview
  bool measured = false;     // false until the preview (made after the frame is durable) exists
};

// The optics a frame was taken with (from its own file's Exif), held against the session's
// first frame by capture/quality_optics.hpp.
struct OpticsRecord {
  bool measured = false;  // false: `reason` says why the check did not run for this frame
  std::string reason;
  std::optional<double> focal_length_mm;
  std::string source;                  // "file EXIF (tiff)", "file EXIF (jpg)"
  std::optional<double> reference_mm;  // the session's first measured frame
  bool changed = false;                // differs from the reference beyond the tolerance
};

// Clipping measured on the RAW's CFA data at its own white and black levels
// (capture/quality_raw.hpp), per channel R, G, B.
struct RawLevels {
  bool measured = false;  // false: `reason` says why (JPEG only, compressed RAW, no levels)
  std::string reason;
  std::string file;  // the camera's name of the original it was measured on
  double white_level = 0;
  double black_level = 0;                // the mean over the pattern
  std::array<double, 3> clipped_high{};  // fraction of the channel's photosites >= white
  std::array<double, 3> clipped_low{};   // fraction <= black
  std::vector<std::string> warnings;     // thresholds crossed (quality.max_clipped_*)
};

// Sharpness of the RAW's green (the noise-corrected Laplacian energy of its log, so a
// bracket's EV step does not change it), against the running median of earlier frames under
// the same lighting preset (capture/quality_sharpness.hpp).
struct SharpnessRecord {
  bool measured = false;  // false: `reason` says why
  std::string reason;
  double value = 0;
  std::optional<double> median;  // of this preset's earlier sharp frames; absent for the first few
  std::optional<double> ratio;   // value / median
  bool blurred = false;          // ratio below quality.min_sharpness_ratio
};

struct FrameRecord {
  uint64_t request_id = 0;
  uint64_t seq = 0;                // 0-based position in the plan
  std::string name;                // base name from the template (no extension)
  Position position;
  hal::ExposureSettings commanded;
  hal::ExposureSettings reported;
  bool reported_valid = true;
  // Where `reported` comes from: "file EXIF (jpg)" / "file EXIF (dng)" (the frame's own file,
  // the per-frame truth), "camera" (what the body says it used) or "none" (nothing reported).
  std::string reported_source = "camera";
  bool exposure_verified = false;
  // Verification ran and failed even after the re-takes: the frame is kept, flagged, so
  // exports and the report can leave it out or mark it.
  bool exposure_mismatch = false;
  int attempts = 1;
  UtcTime trigger_utc{};
  // The capture window's half-width plus the host clock's bound (time_sync.uncertainty_s).
  double trigger_uncertainty_s = 0;
  hal::ClockSync time_sync;  // the host clock's sync state at the trigger
  std::optional<double> camera_clock_offset_s;  // camera minus host
  GpsRecord gps;
  AmbientRecord ambient;
  std::vector<FileRecord> files;
  Histogram histogram;
  std::vector<std::string> faults;
  OpticsRecord optics;
  RawLevels raw_levels;
  SharpnessRecord sharpness;
  // Retake in place (quality.max_retakes): a blurred frame is kept and names the frame taken
  // again at its position and preset; that frame names the one it replaces. Both empty for an
  // ordinary frame. A superseded frame is never deleted; exports use its replacement.
  std::string superseded_by;
  std::string retake_of;
  int retake_number = 0;  // 1 for the first retake of a position
};

// The checks that did not run on this frame, as {check, reason} (bad input: an unreadable
// RAW, no focal length in the Exif, no black/white level). Derived from the records above.
std::vector<std::pair<std::string, std::string>> checks_not_run(const FrameRecord& r);

nlohmann::json to_json(const FrameRecord& r);
// The pieces shared by the frame line and the later "preview" line of the journal.
nlohmann::json to_json(const FileRecord& f);
nlohmann::json to_json(const Histogram& h);
FileRecord file_record_from_json(const nlohmann::json& j);  // throws nlohmann::json::exception
Histogram histogram_from_json(const nlohmann::json& j);
nlohmann::json to_json(const OpticsRecord& o);
OpticsRecord optics_from_json(const nlohmann::json& j);
nlohmann::json to_json(const RawLevels& l);
RawLevels raw_levels_from_json(const nlohmann::json& j);
nlohmann::json to_json(const SharpnessRecord& s);
SharpnessRecord sharpness_from_json(const nlohmann::json& j);
FrameRecord frame_record_from_json(const nlohmann::json& j);  // throws nlohmann::json::exception

}  // namespace tb::capture
