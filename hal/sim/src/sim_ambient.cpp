// Sim ambient sensor: slowly drifting temperature / RH / pressure with injected dropouts.
#include <algorithm>
#include <cmath>
#include <mutex>

#include "periodic.hpp"
#include "sim_random.hpp"
#include "tetherbox/hal/sim/sim.hpp"

namespace tb::hal::sim {
namespace {

// Rises by 1 per unit for `half` units, then falls back: a bounded, deterministic drift.
double triangle(double x, double half) {
  const double m = std::fmod(x, 2 * half);
  return m < half ? m : 2 * half - m;
}

class SimAmbient final : public EnvironmentSensor {
 public:
  SimAmbient(const config::Ambient& cfg, uint64_t seed, std::shared_ptr<Clock> clock)
      : cfg_(cfg.sim),
        seed_(stream_seed(seed, Stream::ambient)),
        clock_(clock),
        start_(clock->now_steady()),
        loop_(clock, std::chrono::milliseconds(std::max(1, cfg.period_ms)),
              [this](uint64_t n) { sample(n); }) {}

  ~SimAmbient() override { loop_.stop(); }

  void start() override { loop_.start(); }
  void stop() override { loop_.stop(); }

  std::optional<AmbientReading> latest() const override {
    std::lock_guard lock(mu_);
    return latest_;
  }

  std::string last_error() const override {
    std::lock_guard lock(mu_);
    return error_;
  }

 private:
  void sample(uint64_t n) {
    if (cfg_.dropout_probability > 0 && hash_unit(seed_, n) < cfg_.dropout_probability) {
      std::lock_guard lock(mu_);
      error_ = fmt::format("sim ambient: sensor did not answer (injected dropout, read #{})", n);
      if (latest_) latest_->error = error_;
      return;
    }
    const double minutes = seconds_between(start_, clock_->now_steady()) / 60.0;
    const double d = cfg_.drift_per_min;
    auto jitter = [&](int q) { return (hash_unit(seed_, n, 100 + q) - 0.5) * 0.02; };
    AmbientReading r;
    r.sensor_id = "sim";
    r.temperature_c = cfg_.temperature_c + d * triangle(minutes, 30.0) + jitter(0);
    r.humidity_pct =
        std::clamp(cfg_.humidity_pct - d * triangle(minutes, 20.0) + jitter(1), 0.0, 100.0);
    r.pressure_hpa = cfg_.pressure_hpa + d * triangle(minutes, 45.0) + jitter(2);
    r.read_utc = clock_->now_utc();
    r.read_steady = clock_->now_steady();
    std::lock_guard lock(mu_);
    latest_ = r;
    error_.clear();
  }

  config::SimAmbient cfg_;
  uint64_t seed_;
  std::shared_ptr<Clock> clock_;
  SteadyTime start_;
  mutable std::mutex mu_;
  std::optional<AmbientReading> latest_;
  std::string error_;
  Periodic loop_;  // last: stops before the state it writes goes away
};

}  // namespace

std::unique_ptr<EnvironmentSensor> make_ambient(const config::Config& cfg,
                                                std::shared_ptr<Clock> clock) {
  return std::make_unique<SimAmbient>(cfg.ambient, cfg.camera.sim.seed, std::move(clock));
}

}  // namespace tb::hal::sim
