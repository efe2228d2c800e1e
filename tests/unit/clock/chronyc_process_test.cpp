// run_chronyc_tracking and SystemClock's background refresh against scripted `chronyc`
// programs put first on PATH: the real spawn, pipe, timeout and exit-status paths.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "tetherbox/hal/clock_sync.hpp"

namespace tb::hal {
namespace {

namespace fs = std::filesystem;

class FakeChronyc : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("tb-chronyc-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    const char* old = std::getenv("PATH");
    old_path_ = old ? old : "";
    ::setenv("PATH", dir_.c_str(), 1);  // only the scripted chronyc is found
  }
  void TearDown() override {
    ::setenv("PATH", old_path_.c_str(), 1);
    fs::remove_all(dir_);
  }
  void script(const std::string& body) {
    const auto p = dir_ / "chronyc";
    std::ofstream(p) << "#!/bin/sh\n" << body << "\n";
    ::chmod(p.c_str(), 0755);
  }
  fs::path dir_;
  std::string old_path_;
};

constexpr const char* kSynced =
    "7F000001,127.0.0.1,9,1796522290.329096444,-0.000001260,0.000000015,0.000002295,0.010,"
    "0.001,0.157,0.000005858,0.000000723,0.3,Normal";

TEST_F(FakeChronyc, ItsOutputIsReadAndParses) {
  script(std::string("[ \"$*\" = \"-c -n tracking\" ] || exit 3\necho '") + kSynced + "'");
  auto out = run_chronyc_tracking(30.0);
  ASSERT_TRUE(out.ok()) << out.error().message;
  auto t = parse_chrony_tracking_csv(*out);
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(t->ref_name, "127.0.0.1");
}

TEST_F(FakeChronyc, NoDaemonIsAnErrorWithChronycsWords) {
  script("echo '506 Cannot talk to daemon'\nexit 1");
  auto out = run_chronyc_tracking(30.0);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code, Errc::io);
  EXPECT_NE(out.error().message.find("exit 1"), std::string::npos) << out.error().message;
  EXPECT_NE(out.error().message.find("506 Cannot talk to daemon"), std::string::npos);
  EXPECT_EQ(out.error().message.find('\n'), std::string::npos) << out.error().message;
}

TEST_F(FakeChronyc, AHangingChronycIsKilledAtTheTimeout) {
  script("exec /bin/sleep 600");
  auto out = run_chronyc_tracking(0.3);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code, Errc::timeout) << out.error().message;
}

TEST_F(FakeChronyc, EndlessOutputIsRefused) {
  script("exec /usr/bin/yes 7F000001");
  auto out = run_chronyc_tracking(30.0);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code, Errc::invalid) << out.error().message;
}

TEST_F(FakeChronyc, NoChronycOnPathIsNotFound) {
  auto out = run_chronyc_tracking(30.0);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code, Errc::not_found) << out.error().message;
}

TEST_F(FakeChronyc, SystemClockTakesChronysAnswerFromItsBackgroundThread) {
  script(std::string("echo '") + kSynced + "'");
  SystemClock clock;
  ClockSync s = clock.sync_state();  // the first answer may not be in yet: adjtimex until then
  // Waits only to catch a hang: the answer arrives as soon as the child has run.
  for (int i = 0; i < 600 && s.source != "chrony"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    s = clock.sync_state();
  }
  ASSERT_EQ(s.source, "chrony") << s.detail;
  EXPECT_TRUE(s.synchronised);
  EXPECT_GE(s.uncertainty_s, 0.000001260 + 0.000000723 + 0.000002929 - 1e-15);
  EXPECT_LT(s.uncertainty_s, 0.001);  // the skew over a few seconds adds nanoseconds
}

TEST_F(FakeChronyc, SystemClockSaysWhyChronyGaveNothing) {
  script("echo '506 Cannot talk to daemon'\nexit 1");
  SystemClock clock;
  ClockSync s = clock.sync_state();
  for (int i = 0; i < 600 && s.detail.find("chronyc:") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    s = clock.sync_state();
  }
  EXPECT_EQ(s.source, "adjtimex");
  EXPECT_NE(s.detail.find("; chronyc: chronyc tracking failed (exit 1)"), std::string::npos)
      << s.detail;
}

}  // namespace
}  // namespace tb::hal
