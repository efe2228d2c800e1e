#include "tetherbox/hal/gphoto2/gp_errors.hpp"

#include <fmt/format.h>
#include <gphoto2/gphoto2-port-result.h>
#include <gphoto2/gphoto2-result.h>

namespace tb::hal::gphoto2_backend {
namespace {

bool any_contains(const std::vector<std::string>& texts, const char* what) {
  for (const auto& t : texts) {
    if (t.find(what) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

Errc errc_for_gp(int rc, const std::vector<std::string>& context_errors, bool during_capture) {
  // The context text is more specific than a generic code: ptp2 turns a busy or vanished body
  // into "bad parameters" on config calls.
  if (any_contains(context_errors, "PTP No Device")) return Errc::disconnected;
  if (rc != GP_ERROR_CAMERA_BUSY && any_contains(context_errors, "Device Busy")) return Errc::busy;
  switch (rc) {
    case GP_ERROR_CAMERA_BUSY:
      return Errc::busy;
    case GP_ERROR_IO_LOCK:
    case GP_ERROR_IO_USB_CLAIM:
      return Errc::busy;  // another process holds the device
    case GP_ERROR_IO_USB_FIND:
    case GP_ERROR_MODEL_NOT_FOUND:
      return Errc::disconnected;
    case GP_ERROR_NO_MEMORY:
      return during_capture ? Errc::no_space : Errc::internal;
    case GP_ERROR_NO_SPACE:
      return Errc::no_space;
    case GP_ERROR_IO:
    case GP_ERROR_IO_READ:
    case GP_ERROR_IO_WRITE:
    case GP_ERROR_IO_INIT:
    case GP_ERROR_IO_UPDATE:
    case GP_ERROR_IO_USB_CLEAR_HALT:
    case GP_ERROR_CORRUPTED_DATA:
      return Errc::io;
    case GP_ERROR_TIMEOUT:
      return Errc::timeout;
    case GP_ERROR_BAD_PARAMETERS:
      return Errc::invalid;
    case GP_ERROR_NOT_SUPPORTED:
      return Errc::unsupported;
    case GP_ERROR_FILE_NOT_FOUND:
    case GP_ERROR_DIRECTORY_NOT_FOUND:
      return Errc::not_found;
    case GP_ERROR_CANCEL:
      return Errc::cancelled;
    case GP_ERROR_CAMERA_ERROR:
      return Errc::refused;
    default:
      return Errc::io;
  }
}

Error gp_error(int rc, const std::string& camera, const std::string& what,
               const std::vector<std::string>& context_errors, bool during_capture) {
  Errc code = errc_for_gp(rc, context_errors, during_capture);
  std::string said = context_errors.empty()
                         ? std::string{}
                         : fmt::format("; camera said: {}", fmt::join(context_errors, " | "));
  std::string hint;
  if (code == Errc::no_space) {
    hint = "; camera card full: free space on the card or swap it";
  } else if (rc == GP_ERROR_IO_USB_CLAIM || rc == GP_ERROR_IO_LOCK) {
    hint = "; another process holds the camera (gvfs/gphoto2 volume monitor?)";
  } else if (code == Errc::disconnected) {
    hint = "; check the USB cable and that the camera is on, then reconnect";
  }
  return make_error(code, "{}: {} failed: {} ({}){}{}", camera, what, gp_result_as_string(rc), rc,
                    said, hint);
}

}  // namespace tb::hal::gphoto2_backend
