#pragma once
// Shared helpers for the sim tests: a small scene config and a clock whose time only moves
// when someone sleeps on it.
#include <atomic>
#include <chrono>
#include <thread>

#include "tetherbox/config/config.hpp"
#include "tetherbox/hal/clock.hpp"

namespace tb::hal::sim::test {

inline config::Config small_config(int width = 240, int height = 160) {
  config::Config cfg;
  cfg.camera.sim.width = width;
  cfg.camera.sim.height = height;
  cfg.camera.sim.seed = 7;
  cfg.camera.format = "jpeg";
  cfg.lighting.lights = {
      config::Light{"key", 5600.0, 0.0, 30.0, 1.0, "", -1, false},
      config::Light{"warm", 3000.0, 0.0, 30.0, 1.0, "", -1, false},
      config::Light{"cool", 9000.0, 0.0, 30.0, 1.0, "", -1, false},
      config::Light{"rim", 5600.0, 150.0, 20.0, 0.8, "", -1, false},
  };
  return cfg;
}

// Virtual time: sleep_for advances it (thread-safe) instead of waiting.
class FakeClock final : public Clock {
 public:
  UtcTime now_utc() const override {
    return UtcTime(std::chrono::seconds(1'900'000'000)) +
           std::chrono::duration_cast<UtcTime::duration>(std::chrono::nanoseconds(ns_.load()));
  }
  SteadyTime now_steady() const override {
    return SteadyTime(std::chrono::hours(1000)) + std::chrono::nanoseconds(ns_.load());
  }
  double utc_uncertainty_s() const override { return 0.001; }
  void sleep_for(std::chrono::nanoseconds d) override {
    slept_ns_ += d.count();
    ns_ += d.count();
    std::this_thread::yield();
  }
  double slept_s() const { return static_cast<double>(slept_ns_.load()) * 1e-9; }
  double elapsed_s() const { return static_cast<double>(ns_.load()) * 1e-9; }

 private:
  std::atomic<int64_t> ns_{0};
  std::atomic<int64_t> slept_ns_{0};
};

}  // namespace tb::hal::sim::test
