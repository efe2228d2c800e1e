#include "tetherbox/firmware/wiring.hpp"

#include "backend_registry.hpp"
#include "tetherbox/firmware/backends.hpp"
#include "tetherbox/hal/sim/sim.hpp"

namespace tb::firmware {

Result<hal::Devices> make_devices(const config::Config& cfg) {
  return make_devices(cfg, nullptr);
}

Result<hal::Devices> make_devices(const config::Config& cfg, std::vector<Error>* left_out) {
  // Refuses, with the same words as the config loader, anything the registry cannot make.
  TB_TRY(config::check_backends(cfg, backend_table()));
  hal::Devices d;
  // A sim camera means a sim session: virtual time, faster than real time and free of
  // wall-clock flakiness. A real camera keeps the real clock for every device.
  if (cfg.camera.backend == "sim")
    d.clock = hal::sim::make_clock(cfg);
  else
    d.clock = std::make_shared<hal::SystemClock>();
  detail::WiringContext ctx{cfg, d, hal::sim::make_world()};
  for (const auto& kind : config::backend_kinds()) {
    const std::string name = config::chosen_backend(cfg, kind);
    for (const auto& b : detail::registry()) {
      if (b.info.kind != kind || b.info.name != name || !b.make) continue;
      if (auto st = b.make(ctx); !st.ok()) {
        if (!left_out) return st.error();
        left_out->push_back(
            make_error(st.error().code, "{} ({}): {}", kind, name, st.error().message));
      }
    }
  }
  return d;
}

}  // namespace tb::firmware
