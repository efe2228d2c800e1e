#pragma once
// The sim board: every device simulated, deterministic for a given seed, with fault injection.
// Devices of one board share a SimWorld (the turntable pose and the lights that are on are
// what the sim camera renders).
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "tetherbox/config/config.hpp"
#include "tetherbox/hal/board.hpp"

namespace tb::hal::sim {

struct SimWorld {
  mutable std::mutex mu;
  RigPose pose;                     // set by the sim turntable (or by set_pose when none)
  std::set<std::string> lights_on;  // set by the sim lights
};

std::shared_ptr<SimWorld> make_world();

std::unique_ptr<Camera> make_camera(std::shared_ptr<SimWorld> world, const config::Config& cfg,
                                    std::shared_ptr<Clock> clock);
std::unique_ptr<Turntable> make_turntable(std::shared_ptr<SimWorld> world,
                                          const config::Config& cfg, std::shared_ptr<Clock> clock);
std::unique_ptr<Lights> make_lights(std::shared_ptr<SimWorld> world, const config::Config& cfg);
std::unique_ptr<Buttons> make_buttons(const config::Config& cfg, std::shared_ptr<Clock> clock);
std::unique_ptr<GpsSource> make_gps(const config::Config& cfg, std::shared_ptr<Clock> clock);
std::unique_ptr<EnvironmentSensor> make_ambient(const config::Config& cfg,
                                                std::shared_ptr<Clock> clock);

}  // namespace tb::hal::sim
