#pragma once
// A background loop that runs `tick` every `period` on the board's Clock and stops promptly.
// On the virtual clock the ticks are driven by virtual time (see virtual_clock.hpp).
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <thread>

#include "tetherbox/hal/clock.hpp"
#include "virtual_clock.hpp"

namespace tb::hal::sim {

class Periodic {
 public:
  Periodic(std::shared_ptr<Clock> clock, std::chrono::nanoseconds period,
           std::function<void(uint64_t tick_index)> tick);
  ~Periodic();
  Periodic(const Periodic&) = delete;
  Periodic& operator=(const Periodic&) = delete;
  void start();  // no-op when running
  void stop();   // joins; no-op when stopped

 private:
  void run();
  void run_virtual(VirtualClock::Timer& timer);

  std::shared_ptr<Clock> clock_;
  std::chrono::nanoseconds period_;
  std::function<void(uint64_t)> tick_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace tb::hal::sim
