// The camera power relay: the last rung of the gphoto2 reconnect ladder on a real box.
#include <spdlog/spdlog.h>

#include <mutex>

#include "tetherbox/hal/gpiod/gpiod_devices.hpp"

namespace tb::hal::gpiod_backend {
namespace {

class GpiodPowerRelay final : public PowerRelay {
 public:
  GpiodPowerRelay(PowerRelaySpec spec, std::string where, std::unique_ptr<OutputLines> out,
                  std::shared_ptr<Clock> clock)
      : spec_(std::move(spec)),
        where_(std::move(where)),
        out_(std::move(out)),
        clock_(std::move(clock)) {}

  Status cycle() override {
    std::lock_guard lock(mu_);
    spdlog::warn("gpiod: camera power relay on {}: off for {} ms", where_, spec_.off.count());
    if (auto st = out_->set_level(0, level(false)); !st)
      return make_error(st.error().code, "camera power relay on {}: switching off failed: {}",
                        where_, st.error().message);
    clock_->sleep_for(spec_.off);
    // Whatever happened while off, the camera must end up powered: retry the "on" once.
    auto st = out_->set_level(0, level(true));
    if (!st) st = out_->set_level(0, level(true));
    if (!st)
      return make_error(st.error().code,
                        "camera power relay on {}: switching the camera back ON failed ({}); the "
                        "camera is unpowered: check the relay wiring and `gpioinfo`",
                        where_, st.error().message);
    ++cycles_;
    return ok_status();
  }

  int cycles() const override {
    std::lock_guard lock(mu_);
    return cycles_;
  }

 private:
  bool level(bool powered) const { return spec_.active_low ? !powered : powered; }

  PowerRelaySpec spec_;
  std::string where_;
  std::unique_ptr<OutputLines> out_;
  std::shared_ptr<Clock> clock_;
  mutable std::mutex mu_;
  int cycles_ = 0;
};

}  // namespace

Result<std::shared_ptr<PowerRelay>> open_power_relay(const PowerRelaySpec& spec,
                                                     std::shared_ptr<LineSource> source,
                                                     std::shared_ptr<Clock> clock) {
  if (spec.off <= std::chrono::milliseconds(0))
    return make_error(Errc::invalid, "camera power relay: off time must be > 0 ms (got {} ms)",
                      spec.off.count());
  auto addr = resolve_line(spec.line, *source);
  if (!addr) return make_error(addr.error().code, "camera power relay: {}", addr.error().message);
  const bool powered_level = !spec.active_low;
  auto out = source->request_outputs({*addr}, {powered_level}, "tetherbox-camera-power");
  if (!out) return out.error();
  return std::shared_ptr<PowerRelay>(
      std::make_shared<GpiodPowerRelay>(spec, addr->describe, std::move(*out), std::move(clock)));
}

Result<std::function<Status()>> make_power_cycle(const PowerRelaySpec& spec,
                                                 std::shared_ptr<LineSource> source,
                                                 std::shared_ptr<Clock> clock) {
  auto relay = open_power_relay(spec, std::move(source), std::move(clock));
  if (!relay) return relay.error();
  std::shared_ptr<PowerRelay> r = std::move(*relay);
  return std::function<Status()>([r] { return r->cycle(); });
}

Result<std::function<Status()>> make_power_cycle(const PowerRelaySpec& spec,
                                                 std::shared_ptr<Clock> clock) {
  return make_power_cycle(spec, make_libgpiod_source(), std::move(clock));
}

}  // namespace tb::hal::gpiod_backend
