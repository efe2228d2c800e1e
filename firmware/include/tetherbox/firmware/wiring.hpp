#pragma once
// Builds the devices a config asks for: each device's backend is chosen by its own key
// (camera.backend, turntable.backend, …), so a real camera can run with sim lights.
#include "tetherbox/common/result.hpp"
#include "tetherbox/config/config.hpp"
#include "tetherbox/hal/board.hpp"

namespace tb::firmware {

Result<hal::Devices> make_devices(const config::Config& cfg);

}  // namespace tb::firmware
