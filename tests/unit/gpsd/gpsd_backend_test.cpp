// The gpsd backend against a real gpsd fed a generated NMEA log through a pseudo-terminal:
// positions match the log, a fix loss gives "no fix" (never the old position), reacquisition
// appears, and gpsd down at start or killed mid-session is reconnected to.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>

#include <chrono>
#include <filesystem>
#include <functional>
#include <thread>

#include "gpsd_daemon.hpp"
#include "nmea_log.hpp"
#include "tetherbox/hal/gpsd/gpsd_gps.hpp"

namespace tb {
namespace {

using namespace std::chrono_literals;
using test::Epoch;

// Hang guard only: every wait ends as soon as its event is seen.
constexpr auto kHangGuard = 60s;
constexpr std::time_t kT0 = 1796605200;  // 2026-12-06T01:00:00Z

bool wait_for(const std::function<bool()>& pred, std::chrono::seconds guard = kHangGuard) {
  const auto end = std::chrono::steady_clock::now() + guard;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return pred();
}

std::string describe(const std::optional<hal::GpsReading>& r) {
  if (!r) return "no reading";
  auto o = [](const std::optional<double>& v) { return v ? std::to_string(*v) : "-"; };
  return "mode " + std::to_string(static_cast<int>(r->mode)) + " hdop " + o(r->hdop) + " pdop " +
         o(r->pdop) + " vdop " + o(r->vdop) + " sats " +
         (r->satellites_used ? std::to_string(*r->satellites_used) : "-");
}

std::time_t fix_second(const hal::GpsReading& r) {
  return std::chrono::system_clock::to_time_t(r.fix_time_utc);
}

class GpsdBackend : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("tb-gpsd-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    daemon_ = std::make_unique<test::GpsdDaemon>(TB_GPSD_PATH, (dir_ / "gpsd.log").string());
    if (access(TB_GPSD_PATH, X_OK) != 0) GTEST_SKIP() << TB_GPSD_PATH << " not installed";
    const std::string err = daemon_->open_terminal();
    ASSERT_EQ(err, "");
    hal::gpsd_backend::Options o;
    o.host = "127.0.0.1";
    o.port = daemon_->port();
    o.backoff_max = 1000ms;
    gps_ = hal::gpsd_backend::make_gps(o, std::make_shared<hal::SystemClock>());
  }
  void TearDown() override {
    if (gps_) gps_->stop();
    daemon_.reset();
    std::error_code ec;
    if (!HasFailure()) std::filesystem::remove_all(dir_, ec);
  }

  // Writes fix epochs from `t` on until the backend shows a fix from this feed: gpsd may take a
  // moment to read the terminal and to register our WATCH. Returns the next unused time.
  std::time_t warm_up(std::time_t t) {
    std::time_t next = t;
    const bool ok = wait_for([&] {
      const auto r = gps_->latest();
      if (r && r->has_fix() && fix_second(*r) >= t) return true;
      for (const Epoch& e : test::moving_track(next++, 1, 10.0, 20.0, 2.0)) {
        daemon_->write(test::nmea_sentences(e));
      }
      std::this_thread::sleep_for(100ms);
      return false;
    });
    EXPECT_TRUE(ok) << "no fix through gpsd; status: " << gps_->status();
    return next;
  }

  // Feeds `epochs` one by one; after each, waits until the backend has reached the previous
  // epoch (gpsd may hold a cycle until the next one starts). Checks every reading seen.
  void feed_and_check(const std::vector<Epoch>& epochs) {
    for (size_t i = 0; i < epochs.size(); ++i) {
      ASSERT_TRUE(daemon_->write(test::nmea_sentences(epochs[i])));
      if (i == 0) continue;
      const Epoch& prev = epochs[i - 1];
      ASSERT_TRUE(wait_for([&] {
        const auto r = gps_->latest();
        return r && fix_second(*r) >= prev.t;
      })) << "reading for epoch "
          << prev.t << " never arrived; status: " << gps_->status();
      check_against_log(*gps_->latest(), epochs);
    }
  }

  void check_against_log(const hal::GpsReading& r, const std::vector<Epoch>& epochs) {
    const std::time_t t = fix_second(r);
    for (const Epoch& e : epochs) {
      if (e.t != t) continue;
      ++checked_;
      ASSERT_EQ(r.has_fix(), e.fix) << "epoch " << t;
      if (!e.fix) {
        EXPECT_EQ(r.lat_deg, 0.0) << "no-fix reading carries a position";
        return;
      }
      EXPECT_EQ(r.mode, hal::FixMode::fix3d);
      EXPECT_NEAR(r.lat_deg, e.lat, 1e-6);
      EXPECT_NEAR(r.lon_deg, e.lon, 1e-6);
      ASSERT_TRUE(r.alt_msl_m.has_value());
      EXPECT_NEAR(*r.alt_msl_m, e.alt, 0.01);
      ASSERT_TRUE(r.speed_m_s.has_value());
      EXPECT_NEAR(*r.speed_m_s, e.speed_kn * 1852.0 / 3600.0, 0.01);
      ASSERT_TRUE(r.track_deg.has_value());
      EXPECT_NEAR(*r.track_deg, e.track, 0.01);
      EXPECT_EQ(r.source, "gpsd:127.0.0.1:" + std::to_string(daemon_->port()));
      return;
    }
  }

  std::filesystem::path dir_;
  std::unique_ptr<test::GpsdDaemon> daemon_;
  std::unique_ptr<hal::GpsSource> gps_;
  int checked_ = 0;
};

TEST_F(GpsdBackend, TrackLossAndReacquisitionMatchTheLog) {
  ASSERT_EQ(daemon_->start(), "");
  gps_->start();
  std::time_t t = warm_up(kT0);
  ASSERT_FALSE(HasFailure());

  const auto track = test::moving_track(t, 12, 55.9533, -3.1883, 0.9);
  feed_and_check(track);
  ASSERT_FALSE(HasFailure());
  EXPECT_GE(checked_, 5) << "too few readings matched log epochs";
  // DOP and satellites come with gpsd's SKY report of the same cycle.
  EXPECT_TRUE(wait_for([&] {
    const auto r = gps_->latest();
    return r && r->hdop && std::abs(*r->hdop - 0.9) < 1e-6 && r->pdop &&
           std::abs(*r->pdop - 1.35) < 1e-6 && r->satellites_used == 8;
  })) << "hdop/pdop/satellites from the log never reached the reading: "
      << describe(gps_->latest());
  t += 12;

  // Fix loss: the backend must say "no fix", not keep the last position.
  const auto lost = test::no_fix(t, 3);
  for (const Epoch& e : lost) ASSERT_TRUE(daemon_->write(test::nmea_sentences(e)));
  ASSERT_TRUE(wait_for([&] {
    const auto r = gps_->latest();
    return r && !r->has_fix();
  })) << "fix loss never reported; status: "
      << gps_->status();
  const auto nofix = gps_->latest();
  EXPECT_EQ(nofix->lat_deg, 0.0);
  EXPECT_FALSE(nofix->alt_msl_m.has_value());
  EXPECT_NE(gps_->status().find("no fix"), std::string::npos) << gps_->status();
  t += 3;

  // Reacquisition somewhere else, with a different DOP.
  const auto back = test::moving_track(t, 6, 55.9600, -3.1700, 1.4);
  checked_ = 0;
  feed_and_check(back);
  ASSERT_FALSE(HasFailure());
  EXPECT_GE(checked_, 3);
  const auto r = gps_->latest();
  ASSERT_TRUE(r && r->has_fix());
  EXPECT_GE(fix_second(*r), back[4].t);
  EXPECT_TRUE(wait_for([&] {
    const auto x = gps_->latest();
    return x && x->hdop && std::abs(*x->hdop - 1.4) < 1e-6;
  }));
}

TEST_F(GpsdBackend, DownAtStartThenKilledAndRestartedIsReconnected) {
  gps_->start();
  ASSERT_TRUE(wait_for([&] { return gps_->status().find("unreachable") != std::string::npos; }))
      << gps_->status();
  EXPECT_FALSE(gps_->latest().has_value()) << "no reading may exist before gpsd answered";

  ASSERT_EQ(daemon_->start(), "");
  std::time_t t = warm_up(kT0);
  ASSERT_FALSE(HasFailure());
  feed_and_check(test::moving_track(t, 4, 48.0, 11.0, 1.0));
  t += 4;
  ASSERT_FALSE(HasFailure());

  daemon_->kill_daemon();
  ASSERT_TRUE(wait_for([&] {
    const std::string s = gps_->status();
    return s.find("lost") != std::string::npos || s.find("unreachable") != std::string::npos;
  })) << gps_->status();
  // latest() still answers (from memory) while gpsd is gone; its age grows, capture ages it out.
  const auto stale = gps_->latest();
  ASSERT_TRUE(stale.has_value());
  EXPECT_LT(fix_second(*stale), t);

  ASSERT_EQ(daemon_->start(), "");
  t = warm_up(t + 10);
  ASSERT_FALSE(HasFailure());
  const auto after = test::moving_track(t, 4, -33.86, 151.21, 1.1);
  feed_and_check(after);
  ASSERT_FALSE(HasFailure());
  const auto r = gps_->latest();
  ASSERT_TRUE(r && r->has_fix());
  EXPECT_NEAR(r->lat_deg, after[2].lat, 2e-4) << "reading after reconnect is from the new feed";
  EXPECT_NE(gps_->status().find("connected"), std::string::npos) << gps_->status();
}

TEST_F(GpsdBackend, StopReturnsWhileGpsdIsUnreachable) {
  gps_->start();
  ASSERT_TRUE(wait_for([&] { return gps_->status().find("unreachable") != std::string::npos; }));
  gps_->stop();  // must not hang in the back-off wait
  EXPECT_FALSE(gps_->latest().has_value());
}

}  // namespace
}  // namespace tb

namespace tb {
namespace {

// A "gpsd" that answers every connection with garbage: no reading may come of it, the status
// must say what is wrong, and the backend keeps trying.
TEST(GpsdGarbage, GarbageFromTheDaemonGivesNoReadingAndAStatus) {
  const int srv = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(srv, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ASSERT_EQ(::bind(srv, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(srv, 8), 0);
  ASSERT_EQ(::getsockname(srv, reinterpret_cast<sockaddr*>(&a), &len), 0);
  std::atomic<int> served{0};
  std::atomic<bool> quit{false};
  std::thread server([&] {
    while (!quit) {
      pollfd p{srv, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const int c = ::accept(srv, nullptr, nullptr);
      if (c < 0) continue;
      const std::string junk =
          "\x01\x02 not json\r\n{\"class\":\"TPV\",\"mode\":3,\"lat\":\"x\"\r\n}}}}\n"
          "{\"class\":\"TPV\",\"mode\":\"banana\"}\n";
      for (int i = 0; i < 20 && !quit; ++i) {
        if (::send(c, junk.data(), junk.size(), MSG_NOSIGNAL) < 0) break;
        std::this_thread::sleep_for(10ms);
      }
      ++served;
      ::close(c);
    }
  });
  hal::gpsd_backend::Options o;
  o.host = "127.0.0.1";
  o.port = ntohs(a.sin_port);
  o.backoff_max = 200ms;
  o.first_report_wait = 0ms;
  auto gps = hal::gpsd_backend::make_gps(o, std::make_shared<hal::SystemClock>());
  gps->start();
  EXPECT_TRUE(wait_for([&] { return served >= 2; })) << "backend did not reconnect";
  auto r = gps->latest();
  EXPECT_TRUE(!r || !r->has_fix()) << "a fix was made out of garbage";
  EXPECT_NE(gps->status(), "");
  gps->stop();
  quit = true;
  server.join();
  ::close(srv);
}

}  // namespace
}  // namespace tb
