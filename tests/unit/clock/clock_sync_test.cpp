#include "tetherbox/hal/clock_sync.hpp"

#include <gtest/gtest.h>
#include <sys/timex.h>

namespace tb::hal {
namespace {

// Captured on the build machine (chrony 4.3, Debian 12) with `chronyc -c -n tracking`:
// a chronyd synchronised to a second chronyd over loopback (a real "Normal" answer) ...
constexpr const char* kSynced =
    "7F000001,127.0.0.1,9,1796522290.329096444,-0.000001260,0.000000015,0.000002295,0.010,"
    "0.001,0.157,0.000005858,0.000000723,0.3,Normal\n";
// ... a chronyd whose only reference is `local stratum 10` ...
constexpr const char* kLocal =
    "7F7F0101,,10,1796522254.832844573,0.000000000,0.000000000,0.000000000,0.000,0.000,0.000,"
    "0.000000000,0.000000000,0.0,Normal\n";
// ... and a chronyd whose server never answers.
constexpr const char* kUnsynced =
    "00000000,,0,0.000000000,0.000000000,0.000000000,0.000000000,0.000,0.000,0.000,1.000000000,"
    "1.000000000,0.0,Not synchronised\n";
// ... and a chronyd on board/chrony/chrony.conf's GPS line (without PPS, so selectable) fed by a
// real gpsd through shared memory, 40 s after start: synchronised, but the dispersion is
// still wide (the NMEA feed lagged its second by 100 ms, which is the offset).
constexpr const char* kGpsShm =
    "47505300,GPS,1,1796522707.999739177,-0.100757346,0.100757346,0.100757346,0.000,-24.994,"
    "1000000.000,0.200000003,10.170547485,0.0,Normal\n";
// Synthetic, in the same format: a box on GPS + PPS (refclock PPS, stratum 1).
constexpr const char* kPps =
    "50505300,PPS,1,1796522290.000000000,0.000000200,0.000000150,0.000000300,-3.210,0.000,0.020,"
    "0.000000001,0.000015000,16.0,Normal\n";

TEST(ChronyTracking, ParsesACapturedSynchronisedAnswer) {
  auto t = parse_chrony_tracking_csv(kSynced);
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(t->ref_id, "7F000001");
  EXPECT_EQ(t->ref_name, "127.0.0.1");
  EXPECT_EQ(t->stratum, 9);
  EXPECT_DOUBLE_EQ(t->offset_s, -0.000001260);
  EXPECT_DOUBLE_EQ(t->skew_ppm, 0.157);
  EXPECT_DOUBLE_EQ(t->root_delay_s, 0.000005858);
  EXPECT_DOUBLE_EQ(t->root_dispersion_s, 0.000000723);
  EXPECT_EQ(t->leap, "Normal");
  // |offset| + root dispersion + root delay / 2
  EXPECT_NEAR(chrony_bound_s(*t), 0.000001260 + 0.000000723 + 0.000002929, 1e-15);
  auto s = sync_from_chrony(*t, 0);
  EXPECT_TRUE(s.synchronised);
  EXPECT_EQ(s.source, "chrony");
  EXPECT_NEAR(s.uncertainty_s, chrony_bound_s(*t), 1e-15);
}

TEST(ChronyTracking, AFreshGpsShmLockIsSynchronisedWithItsWideBound) {
  auto t = parse_chrony_tracking_csv(kGpsShm);
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(t->ref_name, "GPS");
  EXPECT_EQ(t->stratum, 1);
  auto s = sync_from_chrony(*t, 0);
  EXPECT_TRUE(s.synchronised);
  EXPECT_NEAR(s.uncertainty_s, 0.100757346 + 10.170547485 + 0.200000003 / 2, 1e-12);
}

TEST(ChronyTracking, TheBoundGrowsByTheSkewWithTheAnswersAge) {
  auto t = parse_chrony_tracking_csv(kSynced);
  ASSERT_TRUE(t.ok());
  auto s = sync_from_chrony(*t, 100.0);
  EXPECT_NEAR(s.uncertainty_s, chrony_bound_s(*t) + 0.157e-6 * 100.0, 1e-15);
}

TEST(ChronyTracking, APpsLockedBoxIsBoundedByItsRootDispersion) {
  auto t = parse_chrony_tracking_csv(kPps);
  ASSERT_TRUE(t.ok()) << t.error().message;
  auto s = sync_from_chrony(*t, 0);
  EXPECT_TRUE(s.synchronised);
  EXPECT_NEAR(s.uncertainty_s, 0.0000002 + 0.000015 + 0.0000000005, 1e-15);
  EXPECT_NE(s.detail.find("PPS"), std::string::npos) << s.detail;
}

TEST(ChronyTracking, NotSynchronisedIsSaidAndGetsTheKernelCeiling) {
  auto t = parse_chrony_tracking_csv(kUnsynced);
  ASSERT_TRUE(t.ok()) << t.error().message;
  auto s = sync_from_chrony(*t, 0);
  EXPECT_FALSE(s.synchronised);
  EXPECT_DOUBLE_EQ(s.uncertainty_s, 16.0);
  EXPECT_NE(s.detail.find("Not synchronised"), std::string::npos) << s.detail;
}

TEST(ChronyTracking, ALocalStratumReferenceIsNotUtc) {
  auto t = parse_chrony_tracking_csv(kLocal);
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(t->leap, "Normal");  // chrony calls itself synchronised ...
  auto s = sync_from_chrony(*t, 0);
  EXPECT_FALSE(s.synchronised);  // ... to its own free-running clock
  EXPECT_DOUBLE_EQ(s.uncertainty_s, 16.0);
  EXPECT_NE(s.detail.find("local"), std::string::npos) << s.detail;
}

TEST(ChronyTracking, ADaemonErrorIsNotATrackingLine) {
  auto t = parse_chrony_tracking_csv("506 Cannot talk to daemon\n");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().code, Errc::invalid);
  EXPECT_NE(t.error().message.find("expected 14 CSV fields, got 1"), std::string::npos)
      << t.error().message;
}

TEST(ChronyTracking, ABadNumberIsNamedByItsField) {
  std::string line = kSynced;
  line.replace(line.find("0.000000723"), 11, "0.0000007x3");
  auto t = parse_chrony_tracking_csv(line);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.error().message.find("root dispersion"), std::string::npos) << t.error().message;
}

TEST(ChronyTracking, TwoLinesAreRefused) {
  EXPECT_FALSE(parse_chrony_tracking_csv(std::string(kSynced) + kSynced).ok());
  EXPECT_FALSE(parse_chrony_tracking_csv("").ok());
}

TEST(Timex, ThisMachinesUnsyncedKernelStateIsUnsynchronisedAt16Seconds) {
  // ntp_adjtime on the build container: TIME_ERROR, status 0x40, both errors 16 s.
  TimexSample t{TIME_ERROR, STA_UNSYNC, 16'000'000, 16'000'000};
  auto s = sync_from_timex(t);
  EXPECT_FALSE(s.synchronised);
  EXPECT_EQ(s.source, "adjtimex");
  EXPECT_DOUBLE_EQ(s.uncertainty_s, 16.0);
  EXPECT_NE(s.detail.find("STA_UNSYNC, TIME_ERROR"), std::string::npos) << s.detail;
}

TEST(Timex, ASynchronisedKernelIsBoundedByMaxerror) {
  TimexSample t{TIME_OK, STA_PLL, 1500, 120};
  auto s = sync_from_timex(t);
  EXPECT_TRUE(s.synchronised);
  EXPECT_DOUBLE_EQ(s.uncertainty_s, 0.0015);
  EXPECT_NE(s.detail.find("maxerror 1500 us, esterror 120 us"), std::string::npos) << s.detail;
}

TEST(Timex, UnsyncFlagWinsOverASmallMaxerror) {
  // A daemon that just started sets STA_UNSYNC before it has a source: maxerror is no bound.
  auto s = sync_from_timex({TIME_OK, STA_UNSYNC | STA_PLL, 2000, 100});
  EXPECT_FALSE(s.synchronised);
  EXPECT_DOUBLE_EQ(s.uncertainty_s, 16.0);
  EXPECT_NE(s.detail.find("STA_UNSYNC"), std::string::npos);
}

TEST(Timex, TimeErrorAloneIsUnsynchronised) {
  auto s = sync_from_timex({TIME_ERROR, STA_PLL | STA_PPSTIME, 800, 10});
  EXPECT_FALSE(s.synchronised);
  EXPECT_NE(s.detail.find("TIME_ERROR"), std::string::npos);
  EXPECT_EQ(s.detail.find("STA_UNSYNC"), std::string::npos);
}

TEST(Timex, MaxerrorAtTheKernelCeilingOrNegativeIsTheCeiling) {
  EXPECT_DOUBLE_EQ(sync_from_timex({TIME_OK, 0, 16'000'000, 16'000'000}).uncertainty_s, 16.0);
  EXPECT_DOUBLE_EQ(sync_from_timex({TIME_OK, 0, 99'000'000, 0}).uncertainty_s, 16.0);
  EXPECT_DOUBLE_EQ(sync_from_timex({TIME_OK, 0, -1, 0}).uncertainty_s, 16.0);
}

TEST(ChooseSync, ChronyWhenItAnsweredElseTheKernelWithTheReason) {
  auto t = parse_chrony_tracking_csv(kSynced);
  ASSERT_TRUE(t.ok());
  Result<TimexSample> unsynced = TimexSample{TIME_ERROR, STA_UNSYNC, 16'000'000, 16'000'000};
  EXPECT_EQ(choose_sync(*t, 0, unsynced, "").source, "chrony");
  auto k = choose_sync(std::nullopt, 0, unsynced, "chronyc tracking failed (exit 1): 506");
  EXPECT_EQ(k.source, "adjtimex");
  EXPECT_FALSE(k.synchronised);
  EXPECT_NE(k.detail.find("; chronyc: chronyc tracking failed"), std::string::npos) << k.detail;
  auto e =
      choose_sync(std::nullopt, 0, Error{Errc::io, "ntp_adjtime: Operation not permitted"}, "");
  EXPECT_FALSE(e.synchronised);
  EXPECT_DOUBLE_EQ(e.uncertainty_s, 16.0);
  EXPECT_EQ(e.detail, "ntp_adjtime: Operation not permitted");
}

TEST(ReadTimex, TheKernelAnswersAndSystemClockAgreesWithIt) {
  auto t = read_timex();
  ASSERT_TRUE(t.ok()) << t.error().message;
  const bool unsynced = (t->status & STA_UNSYNC) || t->state == TIME_ERROR;
  SystemClock clock;
  auto s = clock.sync_state();
  if (s.source == "adjtimex") {  // chronyc absent or no answer yet
    EXPECT_EQ(s.synchronised, !unsynced) << s.detail;
  }
  if (!s.synchronised) {
    EXPECT_DOUBLE_EQ(s.uncertainty_s, 16.0) << s.detail;
  }
}

}  // namespace
}  // namespace tb::hal
