// Sim buttons: "trigger" presses scheduled at fixed offsets after construction.
#include <algorithm>
#include <thread>

#include "tetherbox/hal/sim/sim.hpp"

namespace tb::hal::sim {
namespace {

class SimButtons final : public Buttons {
 public:
  SimButtons(const config::Buttons& cfg, std::shared_ptr<Clock> clock)
      : clock_(std::move(clock)), start_(clock_->now_steady()), press_at_s_(cfg.sim_press_at_s) {
    std::sort(press_at_s_.begin(), press_at_s_.end());
    for (const auto& b : cfg.buttons)
      if (b.action == "trigger") {
        name_ = b.name;
        break;
      }
  }

  std::optional<ButtonEvent> wait_press(std::chrono::milliseconds timeout) override {
    const SteadyTime now = clock_->now_steady();
    if (next_ >= press_at_s_.size()) {
      clock_->sleep_for(timeout);
      // Nothing is scheduled any more: on virtual time the caller's wait loop would otherwise
      // spin through empty timeouts at full CPU. Idle on the host as a real box waits for a
      // press (a stop request is seen at the caller's next check).
      if (is_virtual_clock(*clock_)) std::this_thread::sleep_for(timeout);
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
  std::shared_ptr<Clock> clock_;
  SteadyTime start_;
  std::vector<double> press_at_s_;
  size_t next_ = 0;
  std::string name_ = "trigger";
};

}  // namespace

std::unique_ptr<Buttons> make_buttons(const config::Config& cfg, std::shared_ptr<Clock> clock) {
  return std::make_unique<SimButtons>(cfg.buttons, std::move(clock));
}

}  // namespace tb::hal::sim
