// The G-code driver against a pty played by a controller: replies, refusals, silence,
// garbage, a reset mid-move and a slow `ok`, asserting behaviour and the bytes sent.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "pty_controller.hpp"
#include "tetherbox/hal/turntable/gcode_turntable.hpp"

namespace tb::hal::turntable {
namespace {

using test::PtyController;
using Lines = std::vector<std::string>;

void reply_ok(const std::string&, PtyController& c) {
  c.send("ok\r\n");
}

GcodeOptions options(const PtyController& pty) {
  GcodeOptions o;
  o.port = pty.path();
  o.units_per_rev = 100.0;  // e.g. an axis configured in 1/100 turns
  o.feed = 1000.0;
  o.settle_ms = 0;
  o.startup_ms = 5000;  // hang guards only: the emulator answers at once
  o.timeout_ms = 5000;
  return o;
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

TEST(GcodeTurntable, HomesMovesAndSendsTheExpectedCommands) {
  PtyController pty(reply_ok);
  auto t = make_gcode_turntable(options(pty));
  ASSERT_TRUE(t) << t.error().message;
  auto& tt = **t;
  EXPECT_EQ(tt.info().backend, "gcode");
  EXPECT_FALSE(tt.info().moves_elevation);
  ASSERT_TRUE(tt.home());
  ASSERT_TRUE(tt.move_to({90.0, 20.0}));
  // 90 -> 350 goes the short way: back 100 degrees to -10 on the axis.
  ASSERT_TRUE(tt.move_to({350.0, 20.0}));
  EXPECT_DOUBLE_EQ(tt.position().azimuth_deg, 350.0);
  EXPECT_DOUBLE_EQ(tt.position().elevation_deg, 20.0);
  EXPECT_EQ(pty.received(), (Lines{"G4 P0", "G90", "G92 X0", "G1 X25.0000 F1000.0", "G4 P0",
                                   "G1 X-2.7778 F1000.0", "G4 P0"}));
}

TEST(GcodeTurntable, GearRatioScalesAxisUnits) {
  PtyController pty(reply_ok);
  auto o = options(pty);
  o.units_per_rev = 360.0;
  o.gear_ratio = 4.0;  // the motor turns four times per turntable turn
  o.axis = 'A';
  auto t = make_gcode_turntable(o);
  ASSERT_TRUE(t) << t.error().message;
  ASSERT_TRUE((*t)->home());
  ASSERT_TRUE((*t)->move_to({10.0, 0.0}));
  EXPECT_EQ(pty.received().at(3), "G1 A40.0000 F1000.0");
}

TEST(GcodeTurntable, HomingCycleDependsOnDialect) {
  {
    PtyController pty(reply_ok);
    auto o = options(pty);
    o.home_on_start = true;
    auto t = make_gcode_turntable(o);
    ASSERT_TRUE(t) << t.error().message;
    ASSERT_TRUE((*t)->home());
    ASSERT_TRUE((*t)->move_to({36.0, 0.0}));
    EXPECT_EQ(pty.received(),
              (Lines{"G4 P0", "$H", "G90", "G92 X0", "G1 X10.0000 F1000.0", "G4 P0"}));
  }
  {
    PtyController pty(reply_ok);
    auto o = options(pty);
    o.home_on_start = true;
    o.dialect = "marlin";
    auto t = make_gcode_turntable(o);
    ASSERT_TRUE(t) << t.error().message;
    ASSERT_TRUE((*t)->home());
    ASSERT_TRUE((*t)->move_to({36.0, 0.0}));
    EXPECT_EQ(pty.received(),
              (Lines{"M400", "G28 X", "G90", "G92 X0", "G1 X10.0000 F1000.0", "M400"}));
  }
}

TEST(GcodeTurntable, ErrorReplyNamesPortAndGrblMeaningAndKeepsPosition) {
  std::atomic<int> moves{0};
  PtyController pty([&](const std::string& l, PtyController& c) {
    if (l.rfind("G1", 0) == 0 && moves++ == 1) return c.send("error:22\r\n");
    c.send("ok\r\n");
  });
  auto t = make_gcode_turntable(options(pty));
  ASSERT_TRUE(t) << t.error().message;
  ASSERT_TRUE((*t)->home());
  ASSERT_TRUE((*t)->move_to({36.0, 0.0}));
  auto s = (*t)->move_to({72.0, 0.0});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::refused);
  EXPECT_TRUE(contains(s.error().message, pty.path())) << s.error().message;
  EXPECT_TRUE(contains(s.error().message, "error:22")) << s.error().message;
  EXPECT_TRUE(contains(s.error().message, "feed rate not set")) << s.error().message;
  EXPECT_DOUBLE_EQ((*t)->position().azimuth_deg, 36.0);
  // A refused line did not move the table: the next move is still allowed.
  EXPECT_TRUE((*t)->move_to({72.0, 0.0}));
}

TEST(GcodeTurntable, SilenceMidSessionIsATimeoutThenPositionUnknown) {
  PtyController pty([](const std::string& l, PtyController& c) {
    if (l.rfind("G1", 0) != 0) c.send("ok\r\n");
  });
  auto o = options(pty);
  o.timeout_ms = 200;  // the one test that waits for a timeout to expire
  auto t = make_gcode_turntable(o);
  ASSERT_TRUE(t) << t.error().message;
  ASSERT_TRUE((*t)->home());
  auto s = (*t)->move_to({36.0, 0.0});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::timeout);
  EXPECT_TRUE(contains(s.error().message, pty.path())) << s.error().message;
  EXPECT_TRUE(contains(s.error().message, "no 'ok' to 'G1 X10.0000 F1000.0'")) << s.error().message;
  auto again = (*t)->move_to({36.0, 0.0});
  ASSERT_FALSE(again);
  EXPECT_TRUE(contains(again.error().message, "position unknown")) << again.error().message;
  EXPECT_EQ(pty.received().back(), "G1 X10.0000 F1000.0");  // nothing sent while unknown
}

TEST(GcodeTurntable, SilentPortAtStartIsReportedAsNoController) {
  PtyController pty([](const std::string&, PtyController&) {});
  auto o = options(pty);
  o.timeout_ms = 100;
  o.startup_ms = 100;
  auto t = make_gcode_turntable(o);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, Errc::timeout);
  EXPECT_TRUE(contains(t.error().message, pty.path())) << t.error().message;
  EXPECT_TRUE(contains(t.error().message, "GRBL/Marlin")) << t.error().message;
}

TEST(GcodeTurntable, GarbageIsAnErrorNotAnOk) {
  PtyController pty([](const std::string& l, PtyController& c) {
    if (l.rfind("G1", 0) == 0) return c.send(std::string("\x01\xfe\xffok\x80\r\n", 8));
    c.send("ok\r\n");
  });
  auto t = make_gcode_turntable(options(pty));
  ASSERT_TRUE(t) << t.error().message;
  ASSERT_TRUE((*t)->home());
  auto s = (*t)->move_to({36.0, 0.0});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::invalid);
  EXPECT_TRUE(contains(s.error().message, "garbage")) << s.error().message;
  EXPECT_TRUE(contains(s.error().message, pty.path())) << s.error().message;
}

TEST(GcodeTurntable, EndlessBytesWithoutLineEndAreGarbage) {
  PtyController pty([](const std::string&, PtyController& c) { c.send(std::string(600, 'U')); });
  auto t = make_gcode_turntable(options(pty));
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, Errc::invalid);
  EXPECT_TRUE(contains(t.error().message, "without a line end")) << t.error().message;
}

TEST(GcodeTurntable, ResetMidMoveMakesPositionUnknownUntilHomed) {
  std::atomic<bool> reset_once{false};
  PtyController pty([&](const std::string& l, PtyController& c) {
    if (l == "G4 P0" && c.received().size() >= 7 && !reset_once.exchange(true))
      return c.send("\r\nGrbl 1.1h ['$' for help]\r\n");
    c.send("ok\r\n");
  });
  auto t = make_gcode_turntable(options(pty));
  ASSERT_TRUE(t) << t.error().message;
  ASSERT_TRUE((*t)->home());
  ASSERT_TRUE((*t)->move_to({36.0, 0.0}));  // lines 4, 5
  auto s = (*t)->move_to({72.0, 0.0});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::mismatch);
  EXPECT_TRUE(contains(s.error().message, "reset")) << s.error().message;
  EXPECT_TRUE(contains(s.error().message, "home required")) << s.error().message;
  EXPECT_TRUE(contains(s.error().message, pty.path())) << s.error().message;
  auto refused = (*t)->move_to({72.0, 0.0});
  ASSERT_FALSE(refused);
  EXPECT_TRUE(contains(refused.error().message, "reset")) << refused.error().message;
  auto sent = pty.received().size();
  ASSERT_TRUE((*t)->home());
  ASSERT_TRUE((*t)->move_to({72.0, 0.0}));
  auto lines = pty.received();
  EXPECT_EQ(Lines(lines.begin() + static_cast<long>(sent), lines.end()),
            (Lines{"G90", "G92 X0", "G1 X20.0000 F1000.0", "G4 P0"}));
}

TEST(GcodeTurntable, BannerOnOpenIsAStartNotAFault) {
  std::atomic<bool> first{true};
  PtyController pty([&](const std::string&, PtyController& c) {
    // An Arduino resets when the port opens: the first probe is lost, the banner comes.
    if (first.exchange(false)) return c.send("\r\nGrbl 1.1h ['$' for help]\r\n");
    c.send("ok\r\n");
  });
  auto t = make_gcode_turntable(options(pty));
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(pty.received(), (Lines{"G4 P0", "G4 P0"}));
}

TEST(GcodeTurntable, SlowOkAfterALongMoveIsWaitedFor) {
  PtyController pty([](const std::string& l, PtyController& c) {
    // The dwell is answered only when the (long) move is over: longer than timeout_ms.
    if (l == "G4 P0" && c.received().size() > 3) c.pause_ms(600);
    c.send("ok\r\n");
  });
  auto o = options(pty);
  o.timeout_ms = 300;
  o.feed = 600.0;  // 10 units/s: half a turn (50 units) takes about 5 s on a real table
  auto t = make_gcode_turntable(o);
  ASSERT_TRUE(t) << t.error().message;
  ASSERT_TRUE((*t)->home());
  auto s = (*t)->move_to({180.0, 0.0});
  EXPECT_TRUE(s) << s.error().message;
}

TEST(GcodeTurntable, MarlinBusyKeepAliveExtendsTheWait) {
  PtyController pty([](const std::string& l, PtyController& c) {
    if (l == "M400" && c.received().size() > 3) {
      for (int i = 0; i < 4; ++i) {
        c.pause_ms(150);
        c.send("echo:busy: processing\n");
      }
    }
    c.send("ok\n");
  });
  auto o = options(pty);
  o.dialect = "marlin";
  o.timeout_ms = 300;
  o.feed = 1e6;  // a move the driver expects to be instant
  auto t = make_gcode_turntable(o);
  ASSERT_TRUE(t) << t.error().message;
  ASSERT_TRUE((*t)->home());
  auto s = (*t)->move_to({1.0, 0.0});
  EXPECT_TRUE(s) << s.error().message;
}

TEST(GcodeTurntable, LockedAtStartIsUnlockedByTheHomingCycle) {
  std::atomic<bool> locked{true};
  PtyController pty([&](const std::string& l, PtyController& c) {
    if (l == "$H") locked = false;
    c.send(locked ? "error:9\r\n" : "ok\r\n");
  });
  auto o = options(pty);
  o.home_on_start = true;
  auto t = make_gcode_turntable(o);
  ASSERT_TRUE(t) << t.error().message;
  ASSERT_TRUE((*t)->home());
  ASSERT_TRUE((*t)->move_to({36.0, 0.0}));
  EXPECT_EQ(pty.received(),
            (Lines{"G4 P0", "$H", "G90", "G92 X0", "G1 X10.0000 F1000.0", "G4 P0"}));
}

TEST(GcodeTurntable, LockedWithoutHomingSaysWhy) {
  PtyController pty([](const std::string& l, PtyController& c) {
    c.send(l == "G4 P0" || l == "G90" ? "error:9\r\n" : "ok\r\n");
  });
  auto t = make_gcode_turntable(options(pty));
  ASSERT_TRUE(t) << t.error().message;
  auto s = (*t)->home();
  ASSERT_FALSE(s);
  EXPECT_TRUE(contains(s.error().message, "locked out during alarm")) << s.error().message;
}

TEST(GcodeTurntable, AlarmNamesItsMeaning) {
  PtyController pty([](const std::string& l, PtyController& c) {
    if (l == "$H") return c.send("ALARM:9\r\n");
    c.send("ok\r\n");
  });
  auto o = options(pty);
  o.home_on_start = true;
  auto t = make_gcode_turntable(o);
  ASSERT_TRUE(t) << t.error().message;
  auto s = (*t)->home();
  ASSERT_FALSE(s);
  EXPECT_TRUE(contains(s.error().message, "limit switch not found")) << s.error().message;
}

TEST(GcodeTurntable, MissingPortNotATtyAndBusyAreClearErrors) {
  GcodeOptions o;
  auto unset = make_gcode_turntable(o);
  ASSERT_FALSE(unset);
  EXPECT_TRUE(contains(unset.error().message, "turntable.gcode.port")) << unset.error().message;

  o.port = "/dev/ttyTB-does-not-exist";
  auto missing = make_gcode_turntable(o);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::not_found);
  EXPECT_TRUE(contains(missing.error().message, o.port)) << missing.error().message;

  auto file = std::filesystem::temp_directory_path() / "tb-turntable-not-a-tty";
  {
    int fd = ::open(file.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0600);
    ::close(fd);
  }
  o.port = file.string();
  auto not_tty = make_gcode_turntable(o);
  std::filesystem::remove(file);
  ASSERT_FALSE(not_tty);
  EXPECT_EQ(not_tty.error().code, Errc::invalid);
  EXPECT_TRUE(contains(not_tty.error().message, "not a tty")) << not_tty.error().message;

  PtyController pty(reply_ok);
  auto first = make_gcode_turntable(options(pty));
  ASSERT_TRUE(first) << first.error().message;
  auto second = make_gcode_turntable(options(pty));
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, Errc::busy);
  EXPECT_TRUE(contains(second.error().message, pty.path())) << second.error().message;

  auto o2 = options(pty);
  o2.baud = 12345;
  auto bad_baud = make_gcode_turntable(o2);
  ASSERT_FALSE(bad_baud);
  EXPECT_TRUE(contains(bad_baud.error().message, "baud 12345")) << bad_baud.error().message;
}

TEST(GcodeTurntable, KnowsGrblCodes) {
  EXPECT_EQ(grbl_error_meaning(9),
            "G-code locked out during alarm or jog state (home or unlock with $X)");
  EXPECT_EQ(grbl_error_meaning(99), "");
  EXPECT_EQ(grbl_alarm_meaning(3), "reset while in motion; position lost, home again");
}

}  // namespace
}  // namespace tb::hal::turntable
