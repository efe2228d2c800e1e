#include "tetherbox/firmware/wiring.hpp"

#include "tetherbox/hal/sim/sim.hpp"
#ifdef TB_HAVE_GPHOTO2
#include "tetherbox/hal/gphoto2/gphoto2_camera.hpp"
#endif
#ifdef TB_HAVE_LIBCAMERA
#include "tetherbox/hal/libcamera/libcamera_camera.hpp"
#endif

namespace tb::firmware {
namespace {

Error not_built(const std::string& key, const std::string& backend) {
  return make_error(Errc::unsupported,
                    "{}: backend '{}' is not built into this tetherbox (its library was not found "
                    "at build time; see scripts/install-deps)",
                    key, backend);
}

}  // namespace

Result<hal::Devices> make_devices(const config::Config& cfg) {
  hal::Devices d;
  d.clock = std::make_shared<hal::SystemClock>();
  auto world = hal::sim::make_world();

  const auto& cam = cfg.camera.backend;
  if (cam == "sim") {
    d.camera = hal::sim::make_camera(world, cfg, d.clock);
  } else if (cam == "gphoto2") {
#ifdef TB_HAVE_GPHOTO2
    d.camera = hal::gphoto2_backend::make_camera(cfg);
#else
    return not_built("camera.backend", cam);
#endif
  } else if (cam == "libcamera") {
#ifdef TB_HAVE_LIBCAMERA
    d.camera = hal::libcamera_backend::make_camera(cfg);
#else
    return not_built("camera.backend", cam);
#endif
  } else {
    return make_error(Errc::invalid, "camera.backend: unknown backend '{}'", cam);
  }

  if (cfg.turntable.backend == "sim")
    d.turntable = hal::sim::make_turntable(world, cfg, d.clock);
  else if (cfg.turntable.backend != "none")
    return make_error(Errc::invalid, "turntable.backend: unknown backend '{}'", cfg.turntable.backend);

  if (cfg.lighting.backend == "sim")
    d.lights = hal::sim::make_lights(world, cfg);
  else if (cfg.lighting.backend != "none")
    return not_built("lighting.backend", cfg.lighting.backend);

  if (cfg.buttons.backend == "sim")
    d.buttons = hal::sim::make_buttons(cfg, d.clock);
  else if (cfg.buttons.backend != "none")
    return not_built("buttons.backend", cfg.buttons.backend);

  if (cfg.gps.backend == "sim")
    d.gps = hal::sim::make_gps(cfg, d.clock);
  else if (cfg.gps.backend != "none")
    return not_built("gps.backend", cfg.gps.backend);

  if (cfg.ambient.backend == "sim")
    d.ambient = hal::sim::make_ambient(cfg, d.clock);
  else if (cfg.ambient.backend != "none")
    return not_built("ambient.backend", cfg.ambient.backend);
  return d;
}

}  // namespace tb::firmware
