#pragma once
// Builds the devices a config asks for: each device's backend is chosen by its own key
// (camera.backend, turntable.backend, …), so a real camera can run with sim lights.
#include <vector>

#include "tetherbox/common/result.hpp"
#include "tetherbox/config/config.hpp"
#include "tetherbox/hal/board.hpp"

namespace tb::firmware {

Result<hal::Devices> make_devices(const config::Config& cfg);
// The same, but a device that cannot be made (a serial port or GPIO chip that is not there) is
// left out and its error, prefixed "KIND (BACKEND): ", appended to *left_out: tetherboxd stays
// up with what works. A config the registry refuses is still an error.
Result<hal::Devices> make_devices(const config::Config& cfg, std::vector<Error>* left_out);

}  // namespace tb::firmware
