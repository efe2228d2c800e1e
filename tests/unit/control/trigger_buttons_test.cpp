// The buttons a tetherboxd buttons session waits on: a socket press must wake the board's wait
// (no poll slice between the press and its hand-off to the runner), on the sim board too.
#include "trigger_buttons.hpp"

#include <gtest/gtest.h>

#include <condition_variable>
#include <future>
#include <mutex>
#include <vector>

#include "tetherbox/config/config.hpp"
#include "tetherbox/hal/sim/sim.hpp"

namespace tb::daemon {
namespace {

using namespace std::chrono_literals;

// A board with no presses whose wait blocks until its timeout or a wake, recording each wait.
class FakeBoard final : public hal::Buttons {
 public:
  explicit FakeBoard(bool wakes) : wakes_(wakes) {}
  std::optional<hal::ButtonEvent> wait_press(std::chrono::milliseconds timeout) override {
    std::unique_lock lk(mu);
    timeouts.push_back(timeout);
    cv.notify_all();
    cv.wait_for(lk, timeout, [&] { return woken; });
    woken = false;
    return std::nullopt;
  }
  bool can_wake() const override { return wakes_; }
  void wake() override {
    std::lock_guard lk(mu);
    woken = true;
    cv.notify_all();
  }
  // Blocks until a wait_press is in progress (or has been).
  void await_wait() {
    std::unique_lock lk(mu);
    cv.wait_for(lk, 60s, [&] { return !timeouts.empty(); });
  }
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::chrono::milliseconds> timeouts;
  bool woken = false;

 private:
  const bool wakes_;
};

TEST(TriggerButtons, ASocketPressWakesTheBoardsWaitInsteadOfPollingIt) {
  auto board = std::make_unique<FakeBoard>(true);
  FakeBoard* b = board.get();
  TriggerButtons tb(std::move(board), nullptr);
  auto waiting = std::async(std::launch::async, [&] { return tb.wait_press(10min); });
  b->await_wait();
  tb.press("trigger");
  // Only a hang is caught here: the wait is for ten minutes, the press wakes it.
  ASSERT_EQ(waiting.wait_for(120s), std::future_status::ready);
  auto ev = waiting.get();
  ASSERT_TRUE(ev.has_value());
  EXPECT_EQ(ev->name, "socket");
  EXPECT_EQ(ev->action, "trigger");
  EXPECT_TRUE(tb.take_handed_edge().has_value());
  std::lock_guard lk(b->mu);
  // One wait for the whole timeout: no slices whose end a press would have to wait for.
  ASSERT_EQ(b->timeouts.size(), 1u);
  EXPECT_EQ(b->timeouts[0], 10min);
}

TEST(TriggerButtons, ABoardThatCannotBeWokenIsPolledInShortSlices) {
  auto board = std::make_unique<FakeBoard>(false);
  FakeBoard* b = board.get();
  TriggerButtons tb(std::move(board), nullptr);
  EXPECT_FALSE(tb.wait_press(10min).has_value());
  std::lock_guard lk(b->mu);
  ASSERT_EQ(b->timeouts.size(), 1u);
  EXPECT_LE(b->timeouts[0], 2ms);
  EXPECT_FALSE(b->woken) << "a press never wakes a board that says it cannot be woken";
}

TEST(TriggerButtons, ALongPressEndsTheSession) {
  TriggerButtons tb(nullptr, nullptr);
  tb.press("trigger", true);
  auto ev = tb.wait_press(0ms);
  ASSERT_TRUE(ev.has_value());
  EXPECT_EQ(ev->action, "abort");
}

config::Config sim_kit(std::vector<double> presses) {
  config::Config cfg;
  cfg.buttons.sim_press_at_s = std::move(presses);
  cfg.buttons.buttons = {config::Button{"big", "trigger", "", -1, true, 30}};
  return cfg;
}

TEST(SimButtonsWake, AnIdleWaitOnVirtualTimeEndsAtAWake) {
  auto cfg = sim_kit({});
  auto clock = hal::sim::make_clock(cfg);
  auto buttons = hal::sim::make_buttons(cfg, clock);
  ASSERT_TRUE(buttons->can_wake());
  // Nothing is scheduled: the sim idles on the host for the whole timeout unless woken.
  auto waiting = std::async(std::launch::async, [&] { return buttons->wait_press(100s); });
  buttons->wake();
  ASSERT_EQ(waiting.wait_for(60s), std::future_status::ready);
  EXPECT_FALSE(waiting.get().has_value());
}

TEST(SimButtonsWake, SocketPressesAndScheduledPressesBothArriveThroughTheDaemon) {
  auto cfg = sim_kit({1.0});
  auto clock = hal::sim::make_clock(cfg);
  TriggerButtons tb(hal::sim::make_buttons(cfg, clock), clock);
  tb.press("trigger");
  auto first = tb.wait_press(200ms);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->name, "socket");
  std::optional<hal::ButtonEvent> board;
  for (int i = 0; i < 100 && !board; ++i) board = tb.wait_press(200ms);
  ASSERT_TRUE(board.has_value()) << "the scheduled press at 1 s never came";
  EXPECT_EQ(board->name, "big");
  EXPECT_EQ(board->action, "trigger");
}

}  // namespace
}  // namespace tb::daemon
