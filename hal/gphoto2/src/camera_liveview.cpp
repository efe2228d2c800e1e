// The gphoto2 Camera's extras for the daemon: the battery level for status and one live-view
// frame for framing and focus. Both only read from the body; neither fires the shutter nor
// writes to the card.
#include <fmt/format.h>
#include <gphoto2/gphoto2-result.h>

#include <charconv>

#include "gphoto2_camera_impl.hpp"

namespace tb::hal::gphoto2_backend::detail {
namespace {

// "50%", "50 %", "100" (Nikon, Canon); Sony's "Full"/"Low"-style texts carry no number.
std::optional<int> percent_of(const std::string& text) {
  size_t i = 0;
  while (i < text.size() && text[i] == ' ') ++i;
  int v = 0;
  auto [end, ec] = std::from_chars(text.data() + i, text.data() + text.size(), v);
  if (ec != std::errc() || end == text.data() + i || v < 0 || v > 100) return std::nullopt;
  return v;
}

}  // namespace

Result<int> GphotoCamera::battery_percent() {
  Error refused;
  auto lock = try_own("battery_percent", &refused);
  if (!lock) return refused;
  if (!cam_ || dead_) return make_error(Errc::disconnected, "gphoto2: camera not open");
  auto text = read_text("batterylevel");
  if (!text) {
    if (text.error().code == Errc::disconnected) return text.error();
    return make_error(Errc::unsupported, "{} reports no battery level (widget 'batterylevel': {})",
                      info_.model, text.error().message);
  }
  auto pct = percent_of(*text);
  if (!pct)
    return make_error(Errc::unsupported, "{}: battery level '{}' is not a percentage", info_.model,
                      *text);
  return *pct;
}

Result<std::vector<uint8_t>> GphotoCamera::capture_preview() {
  Error refused;
  auto lock = try_own("capture_preview", &refused);
  if (!lock) return refused;
  if (!cam_ || dead_) return make_error(Errc::disconnected, "gphoto2: camera not open");
  FileHolder file;
  ctx_->begin();
  trace("gp_camera_capture_preview");
  const int rc = gp_camera_capture_preview(cam_, file.f, ctx_->get());
  if (rc == GP_ERROR_NOT_SUPPORTED)
    return make_error(Errc::unsupported,
                      "{} does not offer live view through libgphoto2 (capture_preview: {})",
                      info_.model, gp_result_as_string(rc));
  if (rc < GP_OK) {
    Error e = fail(rc, "capturing a live-view preview");
    // ptp2 answers a body without live view with a generic error: name it as unsupported so
    // the user is not sent looking for a cable fault.
    if (e.code != Errc::disconnected && e.code != Errc::busy)
      return make_error(Errc::unsupported, "{} gave no live-view preview: {}", info_.model,
                        e.message);
    return e;
  }
  const char* data = nullptr;
  unsigned long size = 0;
  if (gp_file_get_data_and_size(file.f, &data, &size) < GP_OK || data == nullptr || size == 0)
    return make_error(Errc::io, "{}: the live-view preview came back empty", info_.model);
  return std::vector<uint8_t>(reinterpret_cast<const uint8_t*>(data),
                              reinterpret_cast<const uint8_t*>(data) + size);
}

}  // namespace tb::hal::gphoto2_backend::detail
