#include "tetherbox/hal/sim/sim.hpp"

namespace tb::hal::sim {

// Placeholder until the virtual clock lands: the host clock.
std::shared_ptr<Clock> make_clock(const config::Config&) { return std::make_shared<SystemClock>(); }

}  // namespace tb::hal::sim
