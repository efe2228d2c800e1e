#include "tetherbox/hal/sim/sim.hpp"

namespace tb::hal::sim {

std::shared_ptr<SimWorld> make_world() {
  return std::make_shared<SimWorld>();
}

}  // namespace tb::hal::sim
