#pragma once
// Live view for framing and focus before a session: one frame from the idle camera with a
// focus measure (variance of the Laplacian of the luma, higher is sharper), so a person can
// focus by the number over SSH. The sim camera renders a frame at its current pose; every
// other backend goes through Camera::capture_preview (gphoto2: gp_camera_capture_preview),
// never a capture, so no shutter fires and nothing lands on the card. A body without live
// view answers `unsupported`.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "tetherbox/common/result.hpp"
#include "tetherbox/hal/camera.hpp"

namespace tb::daemon {

struct LiveFrame {
  std::vector<uint8_t> jpeg;
  int width = 0, height = 0;
  double focus = 0;
};

// Variance of the 4-neighbour Laplacian over a decoded JPEG's luma.
Result<double> focus_measure(std::span<const uint8_t> jpeg, int* width = nullptr,
                             int* height = nullptr);

// Opens, takes one live-view frame, closes. `backend` is the camera's config backend.
Result<LiveFrame> live_frame(hal::Camera& cam, const std::string& backend, uint64_t request_id);

std::string base64(std::span<const uint8_t> bytes);

}  // namespace tb::daemon
