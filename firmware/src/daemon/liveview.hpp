#pragma once
// Live view for framing and focus before a session: one frame from the idle camera with a
// focus measure (variance of the Laplacian of the luma, higher is sharper), so a person can
// focus by the number over SSH. Only the sim camera renders a frame without firing a shutter
// (at its current pose); the Camera interface has no preview call yet, so other backends
// answer `unsupported` rather than take a real exposure.
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

// Opens, captures one frame, closes. `backend` is the camera's config backend.
Result<LiveFrame> live_frame(hal::Camera& cam, const std::string& backend, uint64_t request_id);

std::string base64(std::span<const uint8_t> bytes);

}  // namespace tb::daemon
