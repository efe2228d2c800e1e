#pragma once
// XMP sidecar via exiv2: EXIF-equivalent exposure, UTC DateTimeOriginal with +00:00 and
// subseconds, GPS in exif: (or an explicit no-fix), exifEX Temperature/Humidity/Pressure,
// and the sequence position in the tetherbox namespace.
#include <string>
#include <vector>

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

struct Sidecar {
  std::string packet;  // the .xmp file's text: starts at <x:xmpmeta>, UTF-8
  // Text that was not clean UTF-8 and was repaired (U+FFFD) on its way into the sidecar, one
  // line per property ("sidecar: dc:creator was not valid UTF-8 text; ..."). The sidecar's
  // tetherbox:Faults already lists them; the caller adds them to the frame record's faults.
  std::vector<std::string> repairs;
};

// Renders the sidecar of one frame. Never fails because of the text it is given (bad UTF-8 is
// repaired and reported in `repairs`); an error means the XMP toolkit itself failed or the
// packet does not read back bound to `rec` (RequestId, Seq, Name, OriginalFile), and the frame
// has no sidecar: callers must treat it as a failed frame, not a fault to note.
// Thread-safe (registers the namespace once).
Result<Sidecar> render_sidecar(const FrameRecord& rec, const SidecarContext& ctx);
// render_sidecar's packet alone.
Result<std::string> make_sidecar(const FrameRecord& rec, const SidecarContext& ctx);
// The same packet with every GPS tag removed (time kept): used on delivery for privacy.
Result<std::string> strip_gps(const std::string& xmp_packet);

}  // namespace tb::capture
