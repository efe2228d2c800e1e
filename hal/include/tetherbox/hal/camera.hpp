#pragma once
// A camera as the capture engine sees it: one thread owns it; every call may fail with a
// Result the engine can act on (busy -> retry, disconnected -> reconnect, no_space -> pause).
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tetherbox/common/result.hpp"
#include "tetherbox/common/time_utc.hpp"

namespace tb::hal {

struct ExposureSettings {
  double shutter_s = 1.0 / 125.0;
  double aperture = 8.0;
  int iso = 100;            // 0 when the camera does not report ISO
  double ev_comp = 0.0;     // exposure compensation (ignored in manual mode, still reported)
};

struct CameraInfo {
  std::string backend;      // "sim", "gphoto2", "libcamera"
  std::string model;
  std::string serial;
  std::string port;         // "usb:001,004", "sim", "/base/soc/i2c0mux/i2c@1/imx477@1a"
  std::string lens;
  bool can_set_iso = true;
  bool can_raw = true;
  int width = 0;            // main image size when known
  int height = 0;
};

// One file the camera produced for a capture (RAW+JPEG bodies produce two).
struct CapturedFile {
  std::string camera_name;  // the camera's own name, e.g. "DSC_0001.JPG" (recorded, never used)
  std::string extension;    // lower-case without dot: "jpg", "dng", "nef", "cr3", "arw"
  std::string mime;         // "image/jpeg", "image/x-adobe-dng", ...
  std::vector<uint8_t> data;
};

struct CaptureResult {
  uint64_t request_id = 0;           // the request this capture answers
  std::vector<CapturedFile> files;   // never empty on success
  ExposureSettings reported;         // what the camera says it used for THIS frame
  bool reported_valid = true;        // false when the camera cannot report (recorded as such)
  UtcTime trigger_utc{};             // host UTC at trigger
  double trigger_uncertainty_s = 0;  // half-width of the trigger time window
  double download_s = 0;             // time spent downloading
  std::vector<std::string> notes;    // backend observations worth recording (recovered fault…)
};

class Camera {
 public:
  virtual ~Camera() = default;
  // Opens one session that is kept for the whole run.
  virtual Result<CameraInfo> open() = 0;
  virtual void close() = 0;
  // Manual exposure. Values the body cannot take are an error naming widget and value.
  virtual Status set_exposure(const ExposureSettings& e) = 0;
  virtual Result<ExposureSettings> read_exposure() = 0;
  // AE / AF / AWB off where the camera has them; error says what to set on the body.
  virtual Status lock_automatics() = 0;
  // Sets the camera clock to `utc` where possible; returns camera_minus_host in seconds as
  // read back afterwards (nullopt if the body has no readable clock).
  virtual Result<std::optional<double>> sync_clock(UtcTime utc) = 0;
  // Drains pending events / stale frames so the next capture binds to its own files.
  virtual Status drain() = 0;
  // Triggers one exposure and downloads every file it produced, bound to request_id.
  virtual Result<CaptureResult> capture(uint64_t request_id) = 0;
  // Re-establishes the session after a disconnect (the engine calls it; may fail).
  virtual Status reconnect() = 0;
  // Optional, for the daemon's status and live view (never called during a locked sequence).
  // Defaults: Errc::unsupported, so a backend without them stays valid.
  // Battery charge in percent as the body reports it (0..100).
  virtual Result<int> battery_percent() {
    return make_error(Errc::unsupported, "this camera backend does not report its battery");
  }
  // One low-resolution live-view JPEG without firing the shutter or touching the card.
  virtual Result<std::vector<uint8_t>> capture_preview() {
    return make_error(Errc::unsupported, "this camera backend has no live-view preview");
  }
};

}  // namespace tb::hal
