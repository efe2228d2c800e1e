#pragma once
#include <chrono>
#include <optional>
#include <string>

#include "tetherbox/common/result.hpp"
#include "tetherbox/common/time_utc.hpp"

namespace tb::hal {

struct ButtonEvent {
  std::string name;     // button name from the config
  std::string action;   // trigger | abort | next_ring
  UtcTime edge_utc{};   // kernel edge timestamp where available
  // A long press (held for the backend's long-press time); `action` is then the button's
  // long-press action. `held`: how long the button was down (0 when reported on press).
  bool long_press = false;
  std::chrono::milliseconds held{0};
};

class Buttons {
 public:
  virtual ~Buttons() = default;
  // Waits up to `timeout` for a debounced press.
  virtual std::optional<ButtonEvent> wait_press(std::chrono::milliseconds timeout) = 0;
  // A caller that also waits on other sources (the daemon's socket presses) wakes the board's
  // wait instead of polling it in short slices, so the other source's press is not held back
  // by a slice. wake(): thread-safe; the wait_press in progress (or, when none is, the next
  // one) returns nullopt at once. Backends that cannot be woken keep can_wake() false and the
  // caller keeps its waits short.
  virtual bool can_wake() const { return false; }
  virtual void wake() {}
  // Inputs that failed so far (a GPIO line that can no longer be read), naming the button and
  // what to check; ok while every button works.
  virtual Status status() const { return ok_status(); }
};

}  // namespace tb::hal
