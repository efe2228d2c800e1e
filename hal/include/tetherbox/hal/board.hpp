#pragma once
// The set of devices a board provides, wired from the config by the firmware.
#include <memory>

#include "tetherbox/hal/buttons.hpp"
#include "tetherbox/hal/camera.hpp"
#include "tetherbox/hal/clock.hpp"
#include "tetherbox/hal/environment.hpp"
#include "tetherbox/hal/gps.hpp"
#include "tetherbox/hal/lights.hpp"
#include "tetherbox/hal/turntable.hpp"

namespace tb::hal {

struct Devices {
  std::shared_ptr<Clock> clock;
  std::unique_ptr<Camera> camera;
  std::unique_ptr<Turntable> turntable;        // null: no turntable (field kit)
  std::unique_ptr<Lights> lights;              // null: no switched lights
  std::unique_ptr<Buttons> buttons;            // null: no buttons
  std::unique_ptr<GpsSource> gps;              // null: no GPS configured
  std::unique_ptr<EnvironmentSensor> ambient;  // null: no ambient sensor configured
};

}  // namespace tb::hal
