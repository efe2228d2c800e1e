// Sim light outputs: switching them changes what the sim camera renders.
#include <fmt/ranges.h>

#include <algorithm>

#include "tetherbox/hal/sim/sim.hpp"

namespace tb::hal::sim {
namespace {

class SimLights final : public Lights {
 public:
  SimLights(std::shared_ptr<SimWorld> world, const config::Lighting& cfg)
      : world_(std::move(world)) {
    for (const auto& l : cfg.lights) names_.push_back(l.name);
  }

  std::vector<std::string> names() const override { return names_; }

  Status set_on(const std::set<std::string>& on) override {
    for (const auto& n : on)
      if (std::find(names_.begin(), names_.end(), n) == names_.end())
        return make_error(
            Errc::invalid, "sim lights: no light named '{}' (configured: {})", n,
            names_.empty() ? std::string("none") : fmt::format("{}", fmt::join(names_, ", ")));
    std::lock_guard lock(world_->mu);
    world_->lights_on = on;
    return ok_status();
  }

  std::set<std::string> current() const override {
    std::lock_guard lock(world_->mu);
    return world_->lights_on;
  }

 private:
  std::shared_ptr<SimWorld> world_;
  std::vector<std::string> names_;
};

}  // namespace

std::unique_ptr<Lights> make_lights(std::shared_ptr<SimWorld> world, const config::Config& cfg) {
  return std::make_unique<SimLights>(std::move(world), cfg.lighting);
}

}  // namespace tb::hal::sim
