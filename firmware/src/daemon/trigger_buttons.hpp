#pragma once
// The buttons a buttons session waits on: the board's buttons (if any) plus presses sent over
// the control socket (`tetherbox trigger`), which arrive as a press of the "trigger" action.
// A long press (of a board button, or `trigger --long`) ends the session: it is handed to the
// runner as an "abort", which stops after the frame in flight.
// A socket press wakes the board's wait (hal::Buttons::wake) rather than waiting for a poll
// slice to end; only a board that cannot be woken is polled in short slices.
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
      : board_(std::move(board)),
        board_wakes_(board_ && board_->can_wake()),
        clock_(std::move(clock)) {}
  std::optional<hal::ButtonEvent> wait_press(std::chrono::milliseconds timeout) override;
  Status status() const override { return board_ ? board_->status() : ok_status(); }
  // Thread-safe: queued for the next wait_press.
  void press(const std::string& action, bool long_press = false);
  // Host steady time of the socket press wait_press last handed out, once (then nullopt): the
  // edge of the press-to-trigger latency on any clock, the sim's virtual one included.
  std::optional<std::chrono::steady_clock::time_point> take_handed_edge();

 private:
  std::optional<hal::ButtonEvent> next_press(std::chrono::milliseconds timeout);
  std::unique_ptr<hal::Buttons> board_;
  const bool board_wakes_;  // a socket press wakes the board's wait (else: short slices)
  std::shared_ptr<hal::Clock> clock_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<hal::ButtonEvent> queued_;
  std::deque<std::chrono::steady_clock::time_point> queued_host_;  // one per queued_ press
  std::optional<std::chrono::steady_clock::time_point> handed_host_;
};

}  // namespace tb::daemon
