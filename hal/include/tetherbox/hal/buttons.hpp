#pragma once
#include <chrono>
#include <optional>
#include <string>

#include "tetherbox/common/time_utc.hpp"

namespace tb::hal {

struct ButtonEvent {
  std::string name;     // button name from the config
  std::string action;   // trigger | abort | next_ring
  UtcTime edge_utc{};   // kernel edge timestamp where available
};

class Buttons {
 public:
  virtual ~Buttons() = default;
  // Waits up to `timeout` for a debounced press.
  virtual std::optional<ButtonEvent> wait_press(std::chrono::milliseconds timeout) = 0;
};

}  // namespace tb::hal
