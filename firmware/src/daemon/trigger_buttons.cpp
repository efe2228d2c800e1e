#include "trigger_buttons.hpp"

namespace tb::daemon {

void TriggerButtons::press(const std::string& action) {
  hal::ButtonEvent e;
  e.name = "socket";
  e.action = action;
  e.edge_utc = clock_ ? clock_->now_utc() : std::chrono::system_clock::now();
  {
    std::lock_guard lk(mu_);
    queued_.push_back(std::move(e));
  }
  cv_.notify_all();
}

std::optional<hal::ButtonEvent> TriggerButtons::wait_press(std::chrono::milliseconds timeout) {
  auto take = [&]() -> std::optional<hal::ButtonEvent> {
    std::lock_guard lk(mu_);
    if (queued_.empty()) return std::nullopt;
    auto e = std::move(queued_.front());
    queued_.pop_front();
    return e;
  };
  if (auto e = take()) return e;
  if (board_) {
    // The board's wait is short so a socket press waits at most one slice.
    const auto slice = std::min(timeout, std::chrono::milliseconds(50));
    if (auto e = board_->wait_press(slice)) return e;
    return take();
  }
  std::unique_lock lk(mu_);
  cv_.wait_for(lk, timeout, [&] { return !queued_.empty(); });
  if (queued_.empty()) return std::nullopt;
  auto e = std::move(queued_.front());
  queued_.pop_front();
  return e;
}

}  // namespace tb::daemon
