#pragma once
// Internal: the registry rows with their factories (backend_table() is their config view).
#include <functional>
#include <memory>
#include <vector>

#include "tetherbox/common/result.hpp"
#include "tetherbox/config/backends.hpp"
#include "tetherbox/hal/board.hpp"
#include "tetherbox/hal/sim/sim.hpp"

namespace tb::firmware::detail {

struct WiringContext {
  const config::Config& cfg;
  hal::Devices& devices;  // clock already set
  std::shared_ptr<hal::sim::SimWorld> world;
};

struct Backend {
  config::BackendInfo info;
  // Puts the device into ctx.devices; empty for "none" (no device) and for rows not built.
  std::function<Status(WiringContext&)> make;
};

const std::vector<Backend>& registry();

}  // namespace tb::firmware::detail
