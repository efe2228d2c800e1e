// Config -> specs. The config keys are the ones the sim and field kit already use, so a field
// kit config runs unchanged on GPIO.
#include "tetherbox/hal/gpiod/gpiod_devices.hpp"

namespace tb::hal::gpiod_backend {

Result<std::unique_ptr<Buttons>> make_buttons(const config::Config& cfg,
                                              std::shared_ptr<Clock> clock,
                                              std::shared_ptr<LineSource> source) {
  if (cfg.buttons.buttons.empty())
    return make_error(Errc::invalid, "buttons.backend is gpiod but buttons.buttons is empty");
  std::vector<ButtonSpec> specs;
  for (const auto& b : cfg.buttons.buttons) {
    ButtonSpec s;
    s.name = b.name;
    s.action = b.action;
    s.line = LineSpec{b.chip, b.line, {}};
    s.active_low = b.active_low;
    s.debounce = std::chrono::milliseconds(b.debounce_ms);
    specs.push_back(std::move(s));
  }
  return open_buttons(specs, ButtonOptions{}, std::move(source), std::move(clock));
}

Result<std::unique_ptr<Buttons>> make_buttons(const config::Config& cfg,
                                              std::shared_ptr<Clock> clock) {
  return make_buttons(cfg, std::move(clock), make_libgpiod_source());
}

Result<std::unique_ptr<Lights>> make_lights(const config::Config& cfg,
                                            std::shared_ptr<LineSource> source) {
  std::vector<LightSpec> specs;
  for (const auto& l : cfg.lighting.lights)
    specs.push_back(LightSpec{l.name, LineSpec{l.chip, l.line, {}}, l.active_low});
  return open_lights(specs, std::move(source));
}

Result<std::unique_ptr<Lights>> make_lights(const config::Config& cfg) {
  return make_lights(cfg, make_libgpiod_source());
}

}  // namespace tb::hal::gpiod_backend
