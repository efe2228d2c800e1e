#pragma once
// GPIO buttons, light outputs and the camera power relay on a LineSource (libgpiod on a box,
// a fake in unit tests), and the factories that build them from the config.
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tetherbox/common/result.hpp"
#include "tetherbox/config/config.hpp"
#include "tetherbox/hal/buttons.hpp"
#include "tetherbox/hal/clock.hpp"
#include "tetherbox/hal/gpiod/line_resolve.hpp"
#include "tetherbox/hal/lights.hpp"

namespace tb::hal::gpiod_backend {

struct ButtonSpec {
  std::string name;
  std::string action = "trigger";
  // Empty: a press is reported as soon as it is debounced (lowest trigger latency). Set: the
  // press is held back until release (short: `action`) or until it has lasted long_press
  // (long: this action, reported while the button is still held).
  std::string long_action;
  LineSpec line;
  bool active_low = true;  // pressed = line low (button to ground, pull-up)
  std::chrono::milliseconds debounce{30};
};

struct ButtonOptions {
  std::chrono::milliseconds long_press{800};
  std::string consumer = "tetherbox-buttons";
};

// Debounced presses from edge events. A level change counts once the line has stayed at the
// new level for the button's debounce time (a spike shorter than that never triggers a
// frame); the event carries the kernel timestamp of the first edge of the change. A line
// that fails stops only its own button; status() says which and why.
Result<std::unique_ptr<Buttons>> open_buttons(const std::vector<ButtonSpec>& specs,
                                              const ButtonOptions& options,
                                              std::shared_ptr<LineSource> source,
                                              std::shared_ptr<Clock> clock);

struct LightSpec {
  std::string name;
  LineSpec line;
  bool active_low = false;  // on = line low (relay boards that switch on a low input)
};

// Switched lights: every light starts off; set_on() writes only the lines whose state
// changes.
Result<std::unique_ptr<Lights>> open_lights(const std::vector<LightSpec>& specs,
                                            std::shared_ptr<LineSource> source,
                                            const std::string& consumer = "tetherbox-lights");

struct PowerRelaySpec {
  LineSpec line;
  std::chrono::milliseconds off{2000};  // how long the camera stays unpowered
  bool active_low = false;              // camera powered = line low
};

// The camera power relay: held "on" (camera powered) from the moment it is opened; cycle()
// drives it off for `off`, then on again.
class PowerRelay {
 public:
  virtual ~PowerRelay() = default;
  virtual Status cycle() = 0;
  virtual int cycles() const = 0;
};

Result<std::shared_ptr<PowerRelay>> open_power_relay(const PowerRelaySpec& spec,
                                                     std::shared_ptr<LineSource> source,
                                                     std::shared_ptr<Clock> clock);

// The gphoto2 backend's power-cycle hook (gphoto2_backend::Options::power_cycle): the
// function owns the relay, so the line stays held (and the camera powered) while it lives.
Result<std::function<Status()>> make_power_cycle(const PowerRelaySpec& spec,
                                                 std::shared_ptr<LineSource> source,
                                                 std::shared_ptr<Clock> clock);
Result<std::function<Status()>> make_power_cycle(const PowerRelaySpec& spec,
                                                 std::shared_ptr<Clock> clock);

// From the config (buttons.buttons[].chip/line/active_low/debounce_ms; lighting.lights[]
// chip/line/active_low), on libgpiod, or on the given source.
Result<std::unique_ptr<Buttons>> make_buttons(const config::Config& cfg,
                                              std::shared_ptr<Clock> clock);
Result<std::unique_ptr<Buttons>> make_buttons(const config::Config& cfg,
                                              std::shared_ptr<Clock> clock,
                                              std::shared_ptr<LineSource> source);
Result<std::unique_ptr<Lights>> make_lights(const config::Config& cfg);
Result<std::unique_ptr<Lights>> make_lights(const config::Config& cfg,
                                            std::shared_ptr<LineSource> source);

}  // namespace tb::hal::gpiod_backend
