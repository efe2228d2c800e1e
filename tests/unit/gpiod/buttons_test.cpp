// Debounce, short/long presses, active-low mapping and line failures, on synthetic edge
// sequences with kernel timestamps (fake line source, manual clock).
#include <gtest/gtest.h>

#include "fake_line_source.hpp"
#include "tetherbox/hal/gpiod/gpiod_devices.hpp"

namespace tb::hal::gpiod_backend {
namespace {

using namespace testing;
using std::chrono::milliseconds;

struct Rig {
  std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>();
  std::shared_ptr<FakeLineSource> src = FakeLineSource::pi5(clock);
  std::unique_ptr<Buttons> buttons;

  void open(std::vector<ButtonSpec> specs, ButtonOptions opts = {}) {
    auto b = open_buttons(specs, opts, src, clock);
    ASSERT_TRUE(b.ok()) << b.error().message;
    buttons = std::move(*b);
  }
  std::vector<ButtonEvent> drain(milliseconds window = 10s) {
    std::vector<ButtonEvent> out;
    const SteadyTime end = clock->now_steady() + window;
    while (clock->now_steady() < end) {
      auto ev =
          buttons->wait_press(std::chrono::duration_cast<milliseconds>(end - clock->now_steady()));
      if (ev) out.push_back(*ev);
    }
    return out;
  }
};

ButtonSpec trigger(unsigned line = 17, bool active_low = true) {
  ButtonSpec s;
  s.name = "shutter";
  s.action = "trigger";
  s.line = LineSpec{"pinctrl-rp1", static_cast<int>(line), {}};
  s.active_low = active_low;
  s.debounce = 30ms;
  return s;
}

TEST(GpiodButtons, CleanPressIsReportedOnceWithTheKernelTimestampOfItsEdge) {
  Rig r;
  r.open({trigger()});
  r.src->press_low("gpiochip4", 17, 100ms, 300ms);
  auto ev = r.buttons->wait_press(1s);
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->name, "shutter");
  EXPECT_EQ(ev->action, "trigger");
  EXPECT_FALSE(ev->long_press);
  EXPECT_EQ(ev->edge_utc, ManualClock::utc_at(at(100ms)));
  // Reported once the level held for the debounce time, not at the release.
  EXPECT_EQ(r.clock->now_steady(), at(130ms));
  EXPECT_FALSE(r.buttons->wait_press(2s));  // the release is not a second press
  EXPECT_TRUE(r.buttons->status().ok());
}

TEST(GpiodButtons, ContactBounceOnPressAndReleaseIsOnePress) {
  Rig r;
  r.open({trigger()});
  for (auto [ms, rising] : std::vector<std::pair<int, bool>>{{100, false},
                                                             {102, true},
                                                             {104, false},
                                                             {105, true},
                                                             {107, false},  // press bounce
                                                             {400, true},
                                                             {401, false},
                                                             {403, true},
                                                             {409, false},
                                                             {412, true}})  // release bounce
    r.src->edge("gpiochip4", 17, rising, at(milliseconds(ms)));
  auto events = r.drain();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].edge_utc, ManualClock::utc_at(at(100ms)));  // first edge of the burst
}

TEST(GpiodButtons, ChatterLongerThanTheDebounceTimeIsStillOnePress) {
  Rig r;
  r.open({trigger()});
  bool rising = false;
  for (int ms = 100; ms <= 300; ms += 10, rising = !rising)
    r.src->edge("gpiochip4", 17, rising, at(milliseconds(ms)));  // ends low: pressed
  auto events = r.drain();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].edge_utc, ManualClock::utc_at(at(100ms)));
}

TEST(GpiodButtons, SpikeShorterThanTheDebounceTimeIsNotAPress) {
  Rig r;
  r.open({trigger()});
  r.src->press_low("gpiochip4", 17, 100ms, 120ms);  // 20 ms < 30 ms
  EXPECT_TRUE(r.drain().empty());
}

TEST(GpiodButtons, ActiveHighButtonPressesOnTheRisingEdge) {
  Rig r;
  r.src->set_level("gpiochip4", 5, false);  // pull-down: idle low
  r.open({trigger(5, /*active_low=*/false)});
  r.src->edge("gpiochip4", 5, true, at(200ms));
  r.src->edge("gpiochip4", 5, false, at(500ms));
  auto events = r.drain();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].edge_utc, ManualClock::utc_at(at(200ms)));
}

TEST(GpiodButtons, ActiveLowButtonIgnoresARisingPulse) {
  Rig r;
  r.src->set_level("gpiochip4", 17, false);         // wired the other way round: idle low
  r.open({trigger(17, /*active_low=*/true)});       // so it starts "held"
  r.src->edge("gpiochip4", 17, true, at(100ms));    // "release"
  EXPECT_TRUE(r.drain(1s).empty());                 // a button held at start is not a press
  r.src->edge("gpiochip4", 17, false, at(2000ms));  // a real press afterwards counts
  auto events = r.drain();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].edge_utc, ManualClock::utc_at(at(2000ms)));
}

TEST(GpiodButtons, LongPressIsReportedWhileStillHeld) {
  Rig r;
  ButtonSpec s = trigger();
  s.long_action = "abort";
  r.open({s});
  r.src->press_low("gpiochip4", 17, 100ms, 3000ms);
  auto ev = r.buttons->wait_press(5s);
  ASSERT_TRUE(ev);
  EXPECT_TRUE(ev->long_press);
  EXPECT_EQ(ev->action, "abort");
  EXPECT_EQ(ev->held, 800ms);
  EXPECT_EQ(ev->edge_utc, ManualClock::utc_at(at(100ms)));
  EXPECT_EQ(r.clock->now_steady(), at(900ms));  // before the release at 3 s
  EXPECT_TRUE(r.drain().empty());               // and the release adds no short press
}

TEST(GpiodButtons, ShortPressWithALongActionIsReportedOnRelease) {
  Rig r;
  ButtonSpec s = trigger();
  s.long_action = "abort";
  r.open({s});
  r.src->press_low("gpiochip4", 17, 100ms, 400ms);
  auto ev = r.buttons->wait_press(5s);
  ASSERT_TRUE(ev);
  EXPECT_FALSE(ev->long_press);
  EXPECT_EQ(ev->action, "trigger");
  EXPECT_EQ(ev->held, 300ms);
  EXPECT_EQ(r.clock->now_steady(), at(430ms));
  EXPECT_TRUE(r.drain().empty());
}

TEST(GpiodButtons, PressLengthComesFromEdgeTimesNotFromWhenTheConsumerLooks) {
  Rig r;
  ButtonSpec s = trigger();
  s.long_action = "abort";
  r.open({s});
  r.src->press_low("gpiochip4", 17, 100ms, 400ms);   // short
  r.src->press_low("gpiochip4", 17, 600ms, 1600ms);  // long
  r.clock->sleep_for(5s);  // the consumer was busy for 5 s: all four edges are queued
  auto first = r.buttons->wait_press(0ms);
  auto second = r.buttons->wait_press(0ms);
  ASSERT_TRUE(first);
  ASSERT_TRUE(second);
  EXPECT_FALSE(first->long_press);
  EXPECT_EQ(first->held, 300ms);
  EXPECT_TRUE(second->long_press);
  EXPECT_EQ(second->edge_utc, ManualClock::utc_at(at(600ms)));
}

TEST(GpiodButtons, ReleaseJustBeforeTheLongPressTimeIsShortEvenWhileItSettles) {
  Rig r;
  ButtonSpec s = trigger();
  s.long_action = "abort";
  r.open({s});
  // Released after 780 ms; the release settles at 910 ms, after the 900 ms long-press mark.
  r.src->press_low("gpiochip4", 17, 100ms, 880ms);
  auto events = r.drain();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_FALSE(events[0].long_press);
  EXPECT_EQ(events[0].held, 780ms);
}

TEST(GpiodButtons, GlitchDuringALongHoldDoesNotCutIt) {
  Rig r;
  ButtonSpec s = trigger();
  s.long_action = "abort";
  r.open({s});
  r.src->press_low("gpiochip4", 17, 100ms, 2000ms);
  r.src->edge("gpiochip4", 17, true, at(500ms));  // 5 ms release glitch
  r.src->edge("gpiochip4", 17, false, at(505ms));
  auto events = r.drain();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_TRUE(events[0].long_press);
  EXPECT_EQ(events[0].edge_utc, ManualClock::utc_at(at(100ms)));
}

TEST(GpiodButtons, TwoButtonsAreReportedInEdgeOrder) {
  Rig r;
  ButtonSpec a = trigger(17);
  ButtonSpec b = trigger(27);
  b.name = "stop";
  b.action = "abort";
  r.open({a, b});
  r.src->press_low("gpiochip4", 27, 100ms, 300ms);
  r.src->press_low("gpiochip4", 17, 110ms, 200ms);  // within b's debounce window
  r.src->press_low("gpiochip4", 17, 1000ms, 1100ms);
  auto events = r.drain();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].name, "stop");
  EXPECT_EQ(events[0].action, "abort");
  EXPECT_EQ(events[1].name, "shutter");
  EXPECT_EQ(events[1].edge_utc, ManualClock::utc_at(at(110ms)));
  EXPECT_EQ(events[2].name, "shutter");
  EXPECT_EQ(events[2].edge_utc, ManualClock::utc_at(at(1000ms)));
}

TEST(GpiodButtons, EachButtonHasItsOwnDebounceTime) {
  Rig r;
  ButtonSpec a = trigger(17);
  ButtonSpec b = trigger(27);
  b.name = "slow";
  b.debounce = 100ms;
  r.open({a, b});
  r.src->press_low("gpiochip4", 17, 100ms, 160ms);  // 60 ms: a press for 30 ms debounce
  r.src->press_low("gpiochip4", 27, 100ms, 160ms);  // a spike for 100 ms debounce
  auto events = r.drain();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].name, "shutter");
}

TEST(GpiodButtons, ALineThatFailsStopsOnlyItsButtonAndIsReported) {
  Rig r;
  ButtonSpec a = trigger(17);
  ButtonSpec b = trigger(27);
  b.name = "stop";
  r.open({a, b});
  r.src->fail_line_at("gpiochip4", 27, at(50ms));
  r.src->press_low("gpiochip4", 27, 100ms, 300ms);  // never seen: the line is dead
  r.src->press_low("gpiochip4", 17, 500ms, 700ms);
  auto events = r.drain();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].name, "shutter");
  const Status st = r.buttons->status();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("button 'stop'"), std::string::npos) << st.error().message;
  EXPECT_NE(st.error().message.find("line 27 (GPIO27) of gpiochip4"), std::string::npos)
      << st.error().message;
  EXPECT_EQ(st.error().message.find("shutter"), std::string::npos);
}

TEST(GpiodButtons, WhenEveryLineFailedWaitingStillHonoursTheTimeoutWithoutSpinning) {
  Rig r;
  r.open({trigger()});
  r.src->fail_request_at(at(10ms));
  EXPECT_FALSE(r.buttons->wait_press(1s));
  const int calls = r.src->wait_calls;
  EXPECT_EQ(r.clock->now_steady(), at(1000ms));
  EXPECT_FALSE(r.buttons->wait_press(1s));
  EXPECT_EQ(r.src->wait_calls, calls);  // slept, did not poll a dead request
  EXPECT_EQ(r.clock->now_steady(), at(2000ms));
  ASSERT_FALSE(r.buttons->status().ok());
  EXPECT_NE(r.buttons->status().error().message.find("poll failed"), std::string::npos);
}

TEST(GpiodButtons, NothingHappensWithinTheTimeout) {
  Rig r;
  r.open({trigger()});
  EXPECT_FALSE(r.buttons->wait_press(250ms));
  EXPECT_EQ(r.clock->now_steady(), at(250ms));
}

TEST(GpiodButtons, ZeroDebounceReportsOnTheEdgeItself) {
  Rig r;
  ButtonSpec s = trigger();
  s.debounce = 0ms;
  r.open({s});
  r.src->press_low("gpiochip4", 17, 100ms, 300ms);
  auto ev = r.buttons->wait_press(1s);
  ASSERT_TRUE(ev);
  EXPECT_EQ(r.clock->now_steady(), at(100ms));
}

TEST(GpiodButtons, BadLinesAreRefusedAtOpenNamingTheButton) {
  auto clock = std::make_shared<ManualClock>();
  auto src = FakeLineSource::pi5(clock);
  src->set_busy("gpiochip4", 17, "pigpiod");
  auto busy = open_buttons({trigger(17)}, {}, src, clock);
  ASSERT_FALSE(busy.ok());
  EXPECT_EQ(busy.error().code, Errc::busy);
  EXPECT_NE(busy.error().message.find("line 17 (GPIO17) of gpiochip4 [pinctrl-rp1]"),
            std::string::npos)
      << busy.error().message;
  EXPECT_NE(busy.error().message.find("'pigpiod'"), std::string::npos) << busy.error().message;
  EXPECT_NE(busy.error().message.find("gpioinfo"), std::string::npos);

  ButtonSpec missing = trigger(99);
  auto range = open_buttons({missing}, {}, src, clock);
  ASSERT_FALSE(range.ok());
  EXPECT_NE(range.error().message.find("button 'shutter'"), std::string::npos);
  EXPECT_NE(range.error().message.find("0..53"), std::string::npos) << range.error().message;

  ButtonSpec a = trigger(22), b = trigger(22);
  b.name = "again";
  auto twice = open_buttons({a, b}, {}, src, clock);
  ASSERT_FALSE(twice.ok());
  EXPECT_NE(twice.error().message.find("'shutter' and 'again'"), std::string::npos);
}

// A press sent over the control socket wakes the board's wait (hal::Buttons::wake) instead of
// the daemon polling the lines in 2 ms slices.
TEST(GpiodButtons, AWakeEndsTheWaitAtOnceAndLosesNoPress) {
  Rig r;
  r.open({trigger()});
  ASSERT_TRUE(r.buttons->can_wake());
  r.src->press_low("gpiochip4", 17, 100ms, 300ms);
  r.buttons->wake();
  EXPECT_FALSE(r.buttons->wait_press(10s));
  EXPECT_EQ(r.clock->now_steady(), at(0ms));  // not a moment of the 10 s was waited
  auto ev = r.buttons->wait_press(1s);        // the press on the lines is still there
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->edge_utc, ManualClock::utc_at(at(100ms)));
  EXPECT_FALSE(r.buttons->wait_press(1s));
}

TEST(GpiodButtons, AWokenWaitStillHandsOutAPressAlreadyOnTheLines) {
  Rig r;
  r.open({trigger()});
  r.src->press_low("gpiochip4", 17, 100ms, 300ms);
  r.clock->advance_to(at(200ms));  // the press happened while nobody waited
  r.buttons->wake();
  auto ev = r.buttons->wait_press(10s);
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->edge_utc, ManualClock::utc_at(at(100ms)));
  EXPECT_EQ(r.clock->now_steady(), at(200ms));
}

TEST(GpiodButtons, WhenEveryLineFailedAWakeStillEndsTheWait) {
  Rig r;
  r.open({trigger()});
  r.src->fail_request_at(at(10ms));
  EXPECT_FALSE(r.buttons->wait_press(1s));
  ASSERT_FALSE(r.buttons->status().ok());
  const int calls = r.src->wait_calls;
  r.buttons->wake();
  EXPECT_FALSE(r.buttons->wait_press(10s));
  EXPECT_EQ(r.clock->now_steady(), at(1000ms));  // returned at once
  EXPECT_EQ(r.src->wait_calls, calls);           // without polling the dead request
  EXPECT_FALSE(r.buttons->wait_press(1s));       // and the next wait is a full one again
  EXPECT_EQ(r.clock->now_steady(), at(2000ms));
}

TEST(GpiodButtons, LinesThatCannotBeWokenSaySo) {
  Rig r;
  r.src->wakeable = false;
  r.open({trigger()});
  EXPECT_FALSE(r.buttons->can_wake());
  r.buttons->wake();  // harmless: the wait is a full one
  EXPECT_FALSE(r.buttons->wait_press(250ms));
  EXPECT_EQ(r.clock->now_steady(), at(250ms));
}

}  // namespace
}  // namespace tb::hal::gpiod_backend
