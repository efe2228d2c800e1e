// Step/dir turntable: moves follow the trapezoid schedule; position is counted in steps so
// rounding never accumulates over an orbit.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cmath>
#include <cstdint>

#include "tetherbox/hal/turntable/step_profile.hpp"
#include "tetherbox/hal/turntable/stepdir_turntable.hpp"

namespace tb::hal::turntable {
namespace {

class StepdirTurntable final : public Turntable {
 public:
  StepdirTurntable(StepdirOptions opt, std::unique_ptr<StepOutput> out)
      : opt_(opt), out_(std::move(out)), spd_(steps_per_degree(opt)) {}

  ~StepdirTurntable() override {
    auto s = out_->enable(false);
    if (!s) spdlog::warn("stepdir turntable: {}", s.error().message);
  }

  TurntableInfo info() const override { return TurntableInfo{"stepdir", false, 1.0 / spd_}; }

  Status home() override {
    known_ = false;
    TB_TRY(out_->enable(true));
    if (opt_.home_on_start) TB_TRY(find_switch());
    steps_ = 0;
    pose_.azimuth_deg = 0.0;
    known_ = true;
    return ok_status();
  }

  Status move_to(const RigPose& pose) override {
    if (!std::isfinite(pose.azimuth_deg))
      return make_error(Errc::invalid, "stepdir turntable: azimuth {} is not a number",
                        pose.azimuth_deg);
    if (!known_)
      return make_error(Errc::invalid, "stepdir turntable on {}: position unknown; home it first",
                        out_->describe());
    double current_deg = std::fmod(static_cast<double>(steps_) / spd_, 360.0);
    double delta = std::remainder(pose.azimuth_deg - current_deg, 360.0);
    int64_t target = std::llround(static_cast<double>(steps_) + delta * spd_);
    int64_t n = target - steps_;
    if (n != 0) {
      known_ = false;  // until every pulse went out
      TB_TRY(out_->set_direction(n > 0));
      auto schedule =
          trapezoid_schedule(std::llabs(n), opt_.max_speed_deg_s * spd_, opt_.accel_deg_s2 * spd_);
      out_->begin_move();
      for (double t : schedule) TB_TRY(out_->step_at(t));
      steps_ = target;
      known_ = true;
    }
    pose_ = pose;
    out_->settle(opt_.settle_ms);
    return ok_status();
  }

  RigPose position() const override { return pose_; }

 private:
  // Creeps towards the switch at the search speed, then backs off until it opens and a little
  // further, so the zero is the switch's release edge, approached the same way every time.
  Status find_switch() {
    const double interval = 1.0 / (opt_.home_speed_deg_s * spd_);
    const auto search = static_cast<int64_t>(std::ceil(opt_.home_search_deg * spd_));
    TB_TRY(out_->set_direction(opt_.home_forward));
    out_->begin_move();
    int64_t taken = 0;
    for (;;) {
      auto closed = out_->home_switch();
      if (!closed) return closed.error();
      if (*closed) break;
      if (taken >= search)
        return make_error(Errc::timeout,
                          "stepdir turntable on {}: homing switch never seen within {} degrees; "
                          "check the switch wiring and turntable.stepdir.home_line",
                          out_->describe(), opt_.home_search_deg);
      TB_TRY(out_->step_at(static_cast<double>(++taken) * interval));
    }
    TB_TRY(out_->set_direction(!opt_.home_forward));
    out_->begin_move();
    const auto backoff = static_cast<int64_t>(std::ceil(opt_.home_backoff_deg * spd_));
    int64_t back = 0;
    bool released = false;
    for (; back < 2 * backoff + search; ++back) {
      auto closed = out_->home_switch();
      if (!closed) return closed.error();
      if (!*closed) {
        released = true;
        break;
      }
      TB_TRY(out_->step_at(static_cast<double>(back + 1) * interval));
    }
    if (!released)
      return make_error(Errc::io,
                        "stepdir turntable on {}: homing switch stays closed after backing off; "
                        "is it stuck or wired active-high?",
                        out_->describe());
    for (int64_t i = 1; i <= backoff; ++i)
      TB_TRY(out_->step_at(static_cast<double>(back + i) * interval));
    out_->settle(opt_.settle_ms);
    return ok_status();
  }

  StepdirOptions opt_;
  std::unique_ptr<StepOutput> out_;
  double spd_;
  int64_t steps_ = 0;
  RigPose pose_{};
  bool known_ = false;
};

}  // namespace

double steps_per_degree(const StepdirOptions& opt) {
  return static_cast<double>(opt.steps_per_rev) * opt.microsteps * opt.gear_ratio / 360.0;
}

std::unique_ptr<Turntable> make_stepdir_turntable(const StepdirOptions& opt,
                                                  std::unique_ptr<StepOutput> out) {
  return std::make_unique<StepdirTurntable>(opt, std::move(out));
}

}  // namespace tb::hal::turntable
