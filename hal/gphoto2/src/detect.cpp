// Auto-detection and the choice among several attached cameras.
#include <fmt/format.h>
#include <gphoto2/gphoto2-camera.h>
#include <gphoto2/gphoto2-context.h>
#include <gphoto2/gphoto2-list.h>

#include "tetherbox/hal/gphoto2/gp_errors.hpp"
#include "tetherbox/hal/gphoto2/gphoto2_camera.hpp"

namespace tb::hal::gphoto2_backend {

Result<std::vector<DetectedCamera>> detect_cameras() {
  GPContext* ctx = gp_context_new();
  CameraList* list = nullptr;
  gp_list_new(&list);
  int n = gp_camera_autodetect(list, ctx);
  std::vector<DetectedCamera> out;
  for (int i = 0; i < n; ++i) {
    const char* name = nullptr;
    const char* port = nullptr;
    gp_list_get_name(list, i, &name);
    gp_list_get_value(list, i, &port);
    // libgphoto2 lists the bare "usb:" catch-all next to the real device ports.
    if (port && std::string(port) == "usb:") continue;
    out.push_back({name ? name : "", port ? port : "", ""});
  }
  gp_list_free(list);
  gp_context_unref(ctx);
  if (n < 0) return gp_error(n, "gphoto2", "camera auto-detection", {});
  return out;
}

namespace {

bool matches(const DetectedCamera& c, const config::CameraSelect& s) {
  return (s.model.empty() || c.model == s.model) && (s.port.empty() || c.port == s.port) &&
         (s.serial.empty() || c.serial == s.serial);
}

std::string describe(const std::vector<DetectedCamera>& cams) {
  std::vector<std::string> parts;
  for (const auto& c : cams) {
    parts.push_back(c.serial.empty()
                        ? fmt::format("'{}' at {}", c.model, c.port)
                        : fmt::format("'{}' at {} (serial {})", c.model, c.port, c.serial));
  }
  return fmt::format("{}", fmt::join(parts, ", "));
}

}  // namespace

Result<DetectedCamera> choose_camera(const std::vector<DetectedCamera>& found,
                                     const config::CameraSelect& select) {
  if (found.empty()) {
    return make_error(Errc::not_found,
                      "no camera found on USB (is gvfs/gphoto2 volume monitor holding it?)");
  }
  std::vector<DetectedCamera> hits;
  for (const auto& c : found) {
    if (matches(c, select)) hits.push_back(c);
  }
  bool has_selector = !select.model.empty() || !select.port.empty() || !select.serial.empty();
  if (hits.empty()) {
    return make_error(Errc::not_found,
                      "no attached camera matches camera.select (model '{}', serial '{}', port "
                      "'{}'); attached: {}",
                      select.model, select.serial, select.port, describe(found));
  }
  if (hits.size() > 1) {
    return make_error(Errc::invalid,
                      "{} cameras attached and camera.select {}: {}; set camera.select.model, "
                      ".serial or .port",
                      hits.size(), has_selector ? "matches more than one" : "is empty",
                      describe(hits));
  }
  return hits.front();
}

}  // namespace tb::hal::gphoto2_backend
