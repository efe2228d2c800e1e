#pragma once
// Pi camera modules (IMX477, IMX708, ...) through libcamera. Only this header is visible to the
// firmware; libcamera's own headers stay inside the backend.
#include <memory>

#include "tetherbox/config/config.hpp"
#include "tetherbox/hal/camera.hpp"

namespace tb::hal::libcamera_backend {

// A camera that opens lazily: construction never touches the hardware, open() does.
// config.camera.select.model matches the sensor model ("imx477"), select.port the libcamera
// camera id; both empty: the first camera found.
std::unique_ptr<tb::hal::Camera> make_camera(const tb::config::Config& config);

}  // namespace tb::hal::libcamera_backend
