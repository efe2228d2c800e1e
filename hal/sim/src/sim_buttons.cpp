// Sim buttons: "trigger" presses scheduled at fixed offsets after construction.
#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <utility>

#include "tetherbox/hal/sim/sim.hpp"

namespace tb::hal::sim {
namespace {

class SimButtons final : public Buttons {
 public:
  SimButtons(const config::Buttons& cfg, std::shared_ptr<Clock> clock)
      : clock_(std::move(clock)),
        virtual_(is_virtual_clock(*clock_)),
        start_(clock_->now_steady()),
        press_at_s_(cfg.sim_press_at_s) {
    std::sort(press_at_s_.begin(), press_at_s_.end());
    for (const auto& b : cfg.buttons)
      if (b.action == "trigger") {
        name_ = b.name;
        break;
      }
  }

  // On virtual time every wait but the idle one passes at once, and that one is a host wait a
  // wake cuts short. On another clock the waits are the clock's own sleeps: polled instead.
  bool can_wake() const override { return virtual_; }
  void wake() override {
    {
      std::lock_guard lk(mu_);
      woken_ = true;
    }
    cv_.notify_all();
  }

  std::optional<ButtonEvent> wait_press(std::chrono::milliseconds timeout) override {
    if (virtual_ && take_wake()) return std::nullopt;
    const SteadyTime now = clock_->now_steady();
    if (next_ >= press_at_s_.size()) {
      // Nothing is scheduled any more: on virtual time the caller's wait loop would otherwise
      // spin through empty timeouts at full CPU. Idle on the host as a real box waits for a
      // press, until the caller's other sources wake it; a woken wait returns before the
      // board's time moves, since moving it waits for every sampler tick on the way.
      if (virtual_ && !host_wait(timeout)) return std::nullopt;
      clock_->sleep_for(timeout);
      return std::nullopt;
    }
    const SteadyTime due = start_ + std::chrono::duration_cast<SteadyTime::duration>(
                                        std::chrono::duration<double>(press_at_s_[next_]));
    if (due > now + timeout) {
      clock_->sleep_for(timeout);
      return std::nullopt;
    }
    if (due > now) clock_->sleep_for(due - now);
    ++next_;
    ButtonEvent ev;
    ev.name = name_;
    ev.action = "trigger";
    // The edge happened at `due`; express it on the UTC scale.
    const auto late = clock_->now_steady() - due;
    ev.edge_utc = clock_->now_utc() - std::chrono::duration_cast<UtcTime::duration>(late);
    return ev;
  }

 private:
  bool take_wake() {
    std::lock_guard lk(mu_);
    return std::exchange(woken_, false);
  }

  // False when woken.
  bool host_wait(std::chrono::nanoseconds d) {
    std::unique_lock lk(mu_);
    return !cv_.wait_for(lk, d, [&] { return std::exchange(woken_, false); });
  }

  std::shared_ptr<Clock> clock_;
  const bool virtual_;
  SteadyTime start_;
  std::vector<double> press_at_s_;
  size_t next_ = 0;
  std::string name_ = "trigger";
  std::mutex mu_;
  std::condition_variable cv_;
  bool woken_ = false;
};

}  // namespace

std::unique_ptr<Buttons> make_buttons(const config::Config& cfg, std::shared_ptr<Clock> clock) {
  return std::make_unique<SimButtons>(cfg.buttons, std::move(clock));
}

}  // namespace tb::hal::sim
