// A sim turntable with a motorised arm: moves take distance / speed + settle time on the Clock.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "tetherbox/hal/sim/sim.hpp"

namespace tb::hal::sim {
namespace {

double wrap360(double a) {
  a = std::fmod(a, 360.0);
  return a < 0 ? a + 360.0 : a;
}

class SimTurntable final : public Turntable {
 public:
  SimTurntable(std::shared_ptr<SimWorld> world, const config::Turntable& cfg,
               std::shared_ptr<Clock> clock)
      : world_(std::move(world)), cfg_(cfg), clock_(std::move(clock)) {}

  TurntableInfo info() const override { return TurntableInfo{"sim", true, step()}; }

  Status home() override { return move_to(RigPose{0.0, 0.0}); }

  Status move_to(const RigPose& pose) override {
    if (!std::isfinite(pose.azimuth_deg) || !std::isfinite(pose.elevation_deg))
      return make_error(Errc::invalid, "sim turntable: pose ({}, {}) is not a number",
                        pose.azimuth_deg, pose.elevation_deg);
    if (pose.elevation_deg < -89.0 || pose.elevation_deg > 89.0)
      return make_error(Errc::invalid,
                        "sim turntable: elevation {} deg is outside the arm's -89..89 deg",
                        pose.elevation_deg);
    const double s = step();
    // A step far below the table's resolution (1e-308) overflows the division: the table then
    // goes where it was asked.
    auto snap = [s](double a) {
      const double q = std::round(a / s) * s;
      return std::isfinite(q) ? q : a;
    };
    RigPose target{wrap360(snap(wrap360(pose.azimuth_deg))), snap(pose.elevation_deg)};
    const RigPose from = position();
    // The table turns the short way round; the arm moves at the same time.
    double daz = std::fabs(target.azimuth_deg - from.azimuth_deg);
    daz = std::min(daz, 360.0 - daz);
    const double del = std::fabs(target.elevation_deg - from.elevation_deg);
    const double speed = cfg_.speed_deg_s > 0 ? cfg_.speed_deg_s : 60.0;
    const double travel_s = std::max(daz, del) / speed;
    const auto travel = std::chrono::duration_cast<std::chrono::nanoseconds>(
        std::chrono::duration<double>(travel_s));
    const SteadyTime arrived = clock_->now_steady() + travel;
    clock_->sleep_for(travel + std::chrono::milliseconds(cfg_.settle_ms));
    std::lock_guard lock(world_->mu);
    world_->pose = target;
    // The rig's own settle need, independent of what the config waits: a shorter settle_ms
    // leaves it wobbling when the camera fires.
    if (daz > 0 || del > 0)
      world_->still_at = arrived + std::chrono::milliseconds(cfg_.sim.needed_settle_ms);
    return ok_status();
  }

  RigPose position() const override {
    std::lock_guard lock(world_->mu);
    return world_->pose;
  }

 private:
  double step() const { return cfg_.step_deg > 0 ? cfg_.step_deg : 0.1; }

  std::shared_ptr<SimWorld> world_;
  config::Turntable cfg_;
  std::shared_ptr<Clock> clock_;
};

}  // namespace

std::unique_ptr<Turntable> make_turntable(std::shared_ptr<SimWorld> world,
                                          const config::Config& cfg, std::shared_ptr<Clock> clock) {
  return std::make_unique<SimTurntable>(std::move(world), cfg.turntable, std::move(clock));
}

}  // namespace tb::hal::sim
