// The one table of device backends. Adding a backend is adding its row here.
#include <fmt/format.h>

#include "backend_registry.hpp"
#include "tetherbox/firmware/backends.hpp"
#ifdef TB_HAVE_GPHOTO2
#include "tetherbox/hal/gphoto2/gphoto2_camera.hpp"
#endif
#ifdef TB_HAVE_LIBCAMERA
#include "tetherbox/hal/libcamera/libcamera_camera.hpp"
#endif
#ifdef TB_HAVE_GPIOD
#include "tetherbox/hal/gpiod/gpiod_devices.hpp"
#endif
#ifdef TB_HAVE_GPSD
#include "tetherbox/hal/gpsd/gpsd_gps.hpp"
#endif
#ifdef TB_HAVE_IIO
#include "tetherbox/hal/iio/iio_ambient.hpp"
#endif
#ifdef TB_HAVE_TURNTABLE
#include "tetherbox/hal/turntable/from_config.hpp"
#endif

namespace tb::firmware {
namespace detail {
namespace {

constexpr const char* kNoLibrary =
    "its library was not found at build time; see scripts/install-deps";
constexpr const char* kNotImplemented = "this release has no such backend yet";

config::BackendInfo row(const char* kind, const char* name, bool built, bool simulated,
                        const char* why_not = "", bool moves_elevation = false) {
  return {kind, name, built, simulated, moves_elevation, built ? "" : why_not};
}

// camera.power_relay: the gphoto2 reconnect ladder's power-cycle hook, on a GPIO line.
[[maybe_unused]] Status wire_power_relay(const WiringContext& c,
                                         std::function<Status()>& power_cycle) {
  const config::PowerRelay& relay = c.cfg.camera.power_relay;
  if (relay.chip.empty()) return ok_status();
#ifdef TB_HAVE_GPIOD
  auto cycle = hal::gpiod_backend::make_power_cycle(
      {{relay.chip, relay.line, {}}, std::chrono::milliseconds(relay.off_ms), relay.active_low},
      c.devices.clock);
  if (!cycle) return cycle.error();
  power_cycle = std::move(*cycle);
  return ok_status();
#else
  (void)power_cycle;
  return make_error(Errc::unsupported, "camera.power_relay needs the gpiod backend; {}",
                    kNoLibrary);
#endif
}

std::vector<Backend> make_registry() {
  using Ctx = WiringContext;
  std::vector<Backend> r;
  r.push_back({row("board", "sim", true, true), {}});
  r.push_back({row("board", "rpi4", false, false,
                   "board definitions are not applied by this release yet; use board: "
                   "sim with buttons/lighting backend gpiod and the board's pins"),
               {}});
  r.push_back({row("board", "rpi5", false, false,
                   "board definitions are not applied by this release yet; use board: "
                   "sim with buttons/lighting backend gpiod and the board's pins"),
               {}});

  r.push_back({row("camera", "sim", true, true), [](Ctx& c) {
                 c.devices.camera = hal::sim::make_camera(c.world, c.cfg, c.devices.clock);
                 return ok_status();
               }});
#ifdef TB_HAVE_GPHOTO2
  r.push_back({row("camera", "gphoto2", true, false), [](Ctx& c) -> Status {
                 hal::gphoto2_backend::Options options;
                 TB_TRY(wire_power_relay(c, options.power_cycle));
                 c.devices.camera = hal::gphoto2_backend::make_camera(c.cfg, std::move(options));
                 return ok_status();
               }});
#else
  r.push_back({row("camera", "gphoto2", false, false, kNoLibrary), {}});
#endif
#ifdef TB_HAVE_LIBCAMERA
  r.push_back({row("camera", "libcamera", true, false), [](Ctx& c) {
                 c.devices.camera = hal::libcamera_backend::make_camera(c.cfg);
                 return ok_status();
               }});
#else
  r.push_back({row("camera", "libcamera", false, false, kNoLibrary), {}});
#endif

  // The sim turntable moves the rig's elevation too (TurntableInfo::moves_elevation).
  r.push_back({row("turntable", "sim", true, true, "", true), [](Ctx& c) {
                 c.devices.turntable = hal::sim::make_turntable(c.world, c.cfg, c.devices.clock);
                 return ok_status();
               }});
#ifdef TB_HAVE_TURNTABLE
  r.push_back({row("turntable", "gcode", true, false), [](Ctx& c) -> Status {
                 auto t = hal::turntable::make_gcode_turntable(c.cfg);
                 if (!t) return t.error();
                 c.devices.turntable = std::move(*t);
                 return ok_status();
               }});
#else
  r.push_back({row("turntable", "gcode", false, false, kNotImplemented), {}});
#endif
#ifdef TB_HAVE_TURNTABLE_GPIOD
  r.push_back({row("turntable", "stepdir", true, false), [](Ctx& c) -> Status {
                 auto t = hal::turntable::make_stepdir_turntable(c.cfg);
                 if (!t) return t.error();
                 c.devices.turntable = std::move(*t);
                 return ok_status();
               }});
#else
  r.push_back({row("turntable", "stepdir", false, false, kNoLibrary), {}});
#endif
  r.push_back({row("turntable", "none", true, false), {}});

  r.push_back({row("lighting", "sim", true, true), [](Ctx& c) {
                 c.devices.lights = hal::sim::make_lights(c.world, c.cfg);
                 return ok_status();
               }});
#ifdef TB_HAVE_GPIOD
  r.push_back({row("lighting", "gpiod", true, false), [](Ctx& c) -> Status {
                 auto lights = hal::gpiod_backend::make_lights(c.cfg);
                 if (!lights) return lights.error();
                 c.devices.lights = std::move(*lights);
                 return ok_status();
               }});
#else
  r.push_back({row("lighting", "gpiod", false, false, kNoLibrary), {}});
#endif
  r.push_back({row("lighting", "none", true, false), {}});

  r.push_back({row("buttons", "sim", true, true), [](Ctx& c) {
                 c.devices.buttons = hal::sim::make_buttons(c.cfg, c.devices.clock);
                 return ok_status();
               }});
#ifdef TB_HAVE_GPIOD
  r.push_back({row("buttons", "gpiod", true, false), [](Ctx& c) -> Status {
                 auto buttons = hal::gpiod_backend::make_buttons(c.cfg, c.devices.clock);
                 if (!buttons) return buttons.error();
                 c.devices.buttons = std::move(*buttons);
                 return ok_status();
               }});
#else
  r.push_back({row("buttons", "gpiod", false, false, kNoLibrary), {}});
#endif
  r.push_back({row("buttons", "none", true, false), {}});

  r.push_back({row("gps", "sim", true, true), [](Ctx& c) {
                 c.devices.gps = hal::sim::make_gps(c.cfg, c.devices.clock);
                 return ok_status();
               }});
#ifdef TB_HAVE_GPSD
  r.push_back({row("gps", "gpsd", true, false), [](Ctx& c) {
                 c.devices.gps = hal::gpsd_backend::make_gps(c.cfg, c.devices.clock);
                 return ok_status();
               }});
#else
  r.push_back({row("gps", "gpsd", false, false, kNoLibrary), {}});
#endif
  r.push_back({row("gps", "none", true, false), {}});

  r.push_back({row("ambient", "sim", true, true), [](Ctx& c) {
                 c.devices.ambient = hal::sim::make_ambient(c.cfg, c.devices.clock);
                 return ok_status();
               }});
#ifdef TB_HAVE_IIO
  r.push_back({row("ambient", "iio", true, false), [](Ctx& c) {
                 c.devices.ambient = hal::iio_backend::make_ambient(c.cfg, c.devices.clock);
                 return ok_status();
               }});
#else
  r.push_back({row("ambient", "iio", false, false, "built with -DTETHERBOX_IIO=OFF"), {}});
#endif
  r.push_back({row("ambient", "none", true, false), {}});
  return r;
}

}  // namespace

const std::vector<Backend>& registry() {
  static const std::vector<Backend> r = make_registry();
  return r;
}

}  // namespace detail

const config::BackendTable& backend_table() {
  static const config::BackendTable t = [] {
    config::BackendTable out;
    for (const auto& b : detail::registry()) out.push_back(b.info);
    return out;
  }();
  return t;
}

}  // namespace tb::firmware
