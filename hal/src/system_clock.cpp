#include <thread>

#include "tetherbox/hal/clock.hpp"

namespace tb::hal {

void SystemClock::sleep_for(std::chrono::nanoseconds d) { std::this_thread::sleep_for(d); }

}  // namespace tb::hal
