// Sim GPS: a walker on a circle around the configured start, 5 Hz, with periodic no-fix windows.
#include <cmath>
#include <mutex>

#include "periodic.hpp"
#include "tetherbox/hal/sim/sim.hpp"

namespace tb::hal::sim {
namespace {

constexpr double kTrackRadiusM = 40.0;
constexpr double kMetresPerDegLat = 111320.0;

class SimGps final : public GpsSource {
 public:
  SimGps(const config::SimGps& cfg, std::shared_ptr<Clock> clock)
      : cfg_(cfg),
        clock_(clock),
        start_(clock->now_steady()),
        loop_(clock, std::chrono::milliseconds(200), [this](uint64_t) { sample(); }) {}

  ~SimGps() override { loop_.stop(); }

  void start() override { loop_.start(); }
  void stop() override { loop_.stop(); }

  std::optional<GpsReading> latest() const override {
    std::lock_guard lock(mu_);
    return latest_;
  }

 private:
  void sample() {
    const double t = seconds_between(start_, clock_->now_steady());
    GpsReading r;
    r.source = "sim";
    r.received = clock_->now_steady();
    r.fix_time_utc = clock_->now_utc();
    const double period = cfg_.fix_period_s;
    const bool in_gap = cfg_.nofix_s > 0 && period > 0 &&
                        std::fmod(t, period) >= period - std::min(cfg_.nofix_s, period);
    if (!in_gap) {
      // Walking a circle that starts at the configured point heading east.
      const double w = cfg_.speed_m_s / kTrackRadiusM;
      const double east = kTrackRadiusM * std::sin(w * t);
      const double north = kTrackRadiusM * (1.0 - std::cos(w * t));
      r.mode = FixMode::fix3d;
      r.lat_deg = cfg_.lat_deg + north / kMetresPerDegLat;
      r.lon_deg = cfg_.lon_deg + east / (kMetresPerDegLat * std::cos(cfg_.lat_deg * M_PI / 180.0));
      r.alt_msl_m = cfg_.alt_msl_m + 0.8 * std::sin(t / 17.0);
      r.hdop = 0.8 + 0.3 * (0.5 + 0.5 * std::sin(t / 23.0));
      r.pdop = *r.hdop * 1.7;
      r.speed_m_s = cfg_.speed_m_s;
      r.track_deg = std::fmod(90.0 - w * t * 180.0 / M_PI + 3600.0 * 360.0, 360.0);
    }
    std::lock_guard lock(mu_);
    latest_ = r;
  }

  config::SimGps cfg_;
  std::shared_ptr<Clock> clock_;
  SteadyTime start_;
  mutable std::mutex mu_;
  std::optional<GpsReading> latest_;
  Periodic loop_;  // last: stops before the state it writes goes away
};

}  // namespace

std::unique_ptr<GpsSource> make_gps(const config::Config& cfg, std::shared_ptr<Clock> clock) {
  return std::make_unique<SimGps>(cfg.gps.sim, std::move(clock));
}

}  // namespace tb::hal::sim
