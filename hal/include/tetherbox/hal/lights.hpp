#pragma once
#include <set>
#include <string>
#include <vector>

#include "tetherbox/common/result.hpp"

namespace tb::hal {

// Switched light outputs (GPIO relays / MOSFETs). Names come from the config.
class Lights {
 public:
  virtual ~Lights() = default;
  virtual std::vector<std::string> names() const = 0;
  // Switches exactly the named lights on and all others off.
  virtual Status set_on(const std::set<std::string>& on) = 0;
  virtual std::set<std::string> current() const = 0;
};

}  // namespace tb::hal
