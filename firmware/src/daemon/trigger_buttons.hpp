#pragma once
// The buttons a buttons session waits on: the board's buttons (if any) plus presses sent over
// the control socket (`tetherbox trigger`), which arrive as a press of the "trigger" action.
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>

#include "tetherbox/hal/buttons.hpp"
#include "tetherbox/hal/clock.hpp"

namespace tb::daemon {

class TriggerButtons : public hal::Buttons {
 public:
  TriggerButtons(std::unique_ptr<hal::Buttons> board, std::shared_ptr<hal::Clock> clock)
      : board_(std::move(board)), clock_(std::move(clock)) {}
  std::optional<hal::ButtonEvent> wait_press(std::chrono::milliseconds timeout) override;
  Status status() const override { return board_ ? board_->status() : ok_status(); }
  // Thread-safe: queued for the next wait_press.
  void press(const std::string& action);

 private:
  std::unique_ptr<hal::Buttons> board_;
  std::shared_ptr<hal::Clock> clock_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<hal::ButtonEvent> queued_;
};

}  // namespace tb::daemon
