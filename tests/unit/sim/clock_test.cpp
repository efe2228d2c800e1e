// The sim board's virtual clock: sleeps jump, background ticks run at their virtual instants,
// several threads may sleep on it, and nothing waits on the host.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "../../../hal/sim/src/periodic.hpp"
#include "sim_test_support.hpp"
#include "tetherbox/hal/sim/sim.hpp"

namespace tb::hal::sim {
namespace {

using namespace std::chrono_literals;

TEST(SimClock, SleepJumpsAheadOnBothScales) {
  const auto host_utc = std::chrono::system_clock::now();
  auto clock = make_clock(test::small_config());
  EXPECT_TRUE(is_virtual_clock(*clock));
  EXPECT_FALSE(is_virtual_clock(SystemClock()));
  const UtcTime u0 = clock->now_utc();
  const SteadyTime s0 = clock->now_steady();
  EXPECT_GE(u0, host_utc) << "UTC starts at the host's now";
  clock->sleep_for(3h);  // would time the test out on the host clock
  EXPECT_EQ(clock->now_utc() - u0, 3h);
  EXPECT_EQ(clock->now_steady() - s0, 3h);
  clock->sleep_for(-5s);  // never backwards
  EXPECT_EQ(clock->now_steady() - s0, 3h);
  EXPECT_EQ(clock->now_steady(), clock->now_steady()) << "time stands still between sleeps";
}

TEST(SimClock, PeriodicTicksRunAtTheirVirtualInstantsInOrder) {
  auto clock = make_clock(test::small_config());
  const SteadyTime s0 = clock->now_steady();
  std::mutex mu;
  std::vector<std::pair<uint64_t, SteadyTime>> ticks;
  Periodic loop(clock, 250ms, [&](uint64_t n) {
    std::lock_guard lock(mu);
    ticks.emplace_back(n, clock->now_steady());
  });
  loop.start();
  clock->sleep_for(1s);  // releases the ticks at 250, 500, 750 and 1000 ms on its way
  {
    std::lock_guard lock(mu);
    ASSERT_EQ(ticks.size(), 5u);
    for (size_t i = 0; i < ticks.size(); ++i) {
      EXPECT_EQ(ticks[i].first, i);
      EXPECT_EQ(ticks[i].second - s0, 250ms * static_cast<int>(i));
    }
  }
  clock->sleep_for(100ms);  // no tick due
  loop.stop();
  std::lock_guard lock(mu);
  EXPECT_EQ(ticks.size(), 5u);
}

TEST(SimClock, StopWakesALoopWaitingForVirtualTime) {
  auto clock = make_clock(test::small_config());
  std::atomic<int> n{0};
  Periodic loop(clock, 24h, [&](uint64_t) { ++n; });
  loop.start();
  clock->sleep_for(0ns);  // returns once the first tick has run: time waits for it
  EXPECT_EQ(n.load(), 1);
  loop.stop();  // joins: must not wait a virtual day nobody advances
  EXPECT_EQ(n.load(), 1);
}

TEST(SimClock, SeveralThreadsSleepAndSamplersStayInStep) {
  auto cfg = test::small_config();
  auto clock = make_clock(cfg);
  auto gps = make_gps(cfg, clock);
  auto amb = make_ambient(cfg, clock);
  gps->start();
  amb->start();
  const SteadyTime s0 = clock->now_steady();
  std::vector<std::thread> sleepers;
  for (int t = 0; t < 4; ++t)
    sleepers.emplace_back([&] {
      for (int i = 0; i < 200; ++i) clock->sleep_for(7ms);
    });
  for (auto& t : sleepers) t.join();
  // Sleeps are serialised, each from wherever time stands: virtual time is their sum.
  EXPECT_EQ(clock->now_steady() - s0, 4 * 200 * 7ms);
  clock->sleep_for(1s);
  auto g = gps->latest();
  ASSERT_TRUE(g.has_value());
  EXPECT_LE(clock->now_steady() - g->received, 200ms) << "the GPS sample is at most one period old";
  EXPECT_LE(g->received, clock->now_steady());
  gps->stop();
  amb->stop();
}

TEST(SimClock, ButtonsWithNothingScheduledIdleInsteadOfSpinning) {
  auto cfg = test::small_config();
  cfg.buttons.sim_press_at_s = {30.0};
  auto clock = make_clock(cfg);
  auto buttons = make_buttons(cfg, clock);
  const SteadyTime s0 = clock->now_steady();
  // A press 30 virtual seconds away comes through 200 ms waits at once (no host wait).
  int empty = 0;
  std::optional<ButtonEvent> ev;
  while (!(ev = buttons->wait_press(200ms))) ++empty;
  EXPECT_EQ(empty, 149);
  EXPECT_EQ(clock->now_steady() - s0, 30s);
  // Then nothing is scheduled: each wait still returns after its timeout, on both scales.
  EXPECT_FALSE(buttons->wait_press(10ms).has_value());
  EXPECT_EQ(clock->now_steady() - s0, 30s + 10ms);
}

TEST(SimClock, CapturesTakeTheirExposureAndReadoutOfVirtualTime) {
  auto cfg = test::small_config(32, 24);
  auto clock = make_clock(cfg);
  auto cam = make_camera(make_world(), cfg, clock);
  ASSERT_TRUE(cam->open().ok());
  ASSERT_TRUE(cam->set_exposure(ExposureSettings{0.5, 8.0, 100, 0}).ok());
  auto a = cam->capture(1), b = cam->capture(2);
  ASSERT_TRUE(a.ok() && b.ok());
  // Frames of a bracket never share a trigger time on virtual time.
  EXPECT_EQ(b->trigger_utc - a->trigger_utc, 600ms);
}

}  // namespace
}  // namespace tb::hal::sim
