#include "tetherbox/capture/retry_policy.hpp"

#include <gtest/gtest.h>

#include "fake_devices.hpp"

namespace tb::capture {
namespace {

using namespace std::chrono_literals;

TEST(RetryPolicy, BusyForeverGivesUpWithinTheAttemptBudget) {
  test::ManualClock clock;
  RetryLimits lim;
  lim.max_attempts = 10;
  lim.busy_before_reconnect = 100;  // isolate the attempt budget
  ShotRetry r(clock, lim, 7);
  int retries = 0;
  for (;;) {
    r.begin_attempt();
    auto d = r.on_capture_error(Error{Errc::busy, "busy"});
    if (d.action == RetryAction::give_up) {
      EXPECT_EQ(d.reason.code, Errc::busy);
      EXPECT_NE(d.reason.message.find("camera busy for 10 attempts"), std::string::npos)
          << d.reason.message;
      EXPECT_NE(d.reason.message.find("on frame 7"), std::string::npos) << d.reason.message;
      break;
    }
    ASSERT_EQ(d.action, RetryAction::retry);
    clock.sleep_for(d.wait);
    ASSERT_LT(++retries, 100) << "no give-up";
  }
  EXPECT_EQ(r.attempts(), 10);
}

TEST(RetryPolicy, TheClockBudgetEndsAShotBeforeTheAttemptBudget) {
  test::ManualClock clock;
  RetryLimits lim;
  lim.max_attempts = 1000;
  lim.busy_before_reconnect = 1000;
  lim.max_time = 2s;
  lim.busy_backoff = 500ms;
  ShotRetry r(clock, lim, 0);
  int attempts = 0;
  for (;;) {
    r.begin_attempt();
    ++attempts;
    auto d = r.on_capture_error(Error{Errc::busy, "busy"});
    if (d.action == RetryAction::give_up) break;
    clock.sleep_for(d.wait);
    ASSERT_LT(attempts, 1000);
  }
  // 500 ms, 1 s (capped) ... : the virtual clock passes 2 s after 3 waits.
  EXPECT_EQ(attempts, 4);
}

TEST(RetryPolicy, ALongBusyStreakResetsTheSessionThenReconnectsAreBounded) {
  test::ManualClock clock;
  RetryLimits lim;
  lim.busy_before_reconnect = 3;
  lim.max_reconnects = 2;
  ShotRetry r(clock, lim, 0);
  for (int i = 0; i < 2; ++i) {
    r.begin_attempt();
    EXPECT_EQ(r.on_capture_error(Error{Errc::busy, "b"}).action, RetryAction::retry);
  }
  r.begin_attempt();
  EXPECT_EQ(r.on_capture_error(Error{Errc::busy, "b"}).action, RetryAction::reconnect);
  EXPECT_EQ(r.before_reconnect().action, RetryAction::reconnect);
  EXPECT_EQ(r.before_reconnect().action, RetryAction::reconnect);
  auto d = r.before_reconnect();
  EXPECT_EQ(d.action, RetryAction::give_up);
  EXPECT_EQ(r.reconnects(), 2);
}

TEST(RetryPolicy, ADisconnectReconnectsAndAnUnknownErrorGivesUpAtOnce) {
  test::ManualClock clock;
  ShotRetry r(clock, RetryLimits{}, 3);
  r.begin_attempt();
  EXPECT_EQ(r.on_capture_error(Error{Errc::disconnected, "gone"}).action, RetryAction::reconnect);
  r.begin_attempt();
  auto d = r.on_capture_error(Error{Errc::refused, "card locked"});
  EXPECT_EQ(d.action, RetryAction::give_up);
  EXPECT_EQ(d.reason.code, Errc::refused);
  EXPECT_NE(d.reason.message.find("card locked"), std::string::npos);
}

TEST(RetryPolicy, FaultLinesAreCappedPerShot) {
  test::ManualClock clock;
  RetryLimits lim;
  lim.max_fault_lines = 3;
  ShotRetry r(clock, lim, 0);
  int journaled = 0;
  for (int i = 0; i < 10; ++i) journaled += r.journal_fault() ? 1 : 0;
  EXPECT_EQ(journaled, 3);
  EXPECT_EQ(r.faults_not_journaled(), 7);
}

}  // namespace
}  // namespace tb::capture
