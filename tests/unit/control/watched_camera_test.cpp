// The daemon's camera wrapper: which call is in flight and for how long (the watchdog's
// evidence of a hung camera), and what results say about the link (status during a session).
#include "watched_camera.hpp"

#include <gtest/gtest.h>

#include <condition_variable>
#include <fstream>
#include <thread>

#include "storage_check.hpp"

namespace tb::daemon {
namespace {

using namespace std::chrono_literals;

// A camera whose capture blocks until released and whose results the test chooses.
class FakeCamera final : public hal::Camera {
 public:
  Result<hal::CameraInfo> open() override {
    if (unplugged) return make_error(Errc::not_found, "no camera found");
    hal::CameraInfo i;
    i.model = "Fake D1";
    return i;
  }
  void close() override {}
  Status set_exposure(const hal::ExposureSettings&) override { return {}; }
  Result<hal::ExposureSettings> read_exposure() override { return hal::ExposureSettings{}; }
  Status lock_automatics() override { return {}; }
  Result<std::optional<double>> sync_clock(UtcTime) override { return std::optional<double>{}; }
  Status drain() override { return {}; }
  Result<hal::CaptureResult> capture(uint64_t id) override {
    std::unique_lock lk(mu);
    entered = true;
    cv.notify_all();
    cv.wait(lk, [&] { return released; });
    if (unplugged) return make_error(Errc::disconnected, "not on the bus");
    if (busy) return make_error(Errc::busy, "writing to card");
    hal::CaptureResult r;
    r.request_id = id;
    return r;
  }
  Status reconnect() override {
    if (unplugged) return make_error(Errc::disconnected, "still gone");
    return {};
  }
  std::mutex mu;
  std::condition_variable cv;
  bool entered = false, released = true, unplugged = false, busy = false;
};

struct Fixture {
  FakeCamera* fake = nullptr;
  std::shared_ptr<CallWatch> watch = std::make_shared<CallWatch>();
  std::vector<CameraLink> links;
  std::unique_ptr<WatchedCamera> cam;
  Fixture() {
    auto f = std::make_unique<FakeCamera>();
    fake = f.get();
    cam = std::make_unique<WatchedCamera>(std::move(f), watch,
                                          [this](const CameraLink& l) { links.push_back(l); });
  }
};

TEST(CallWatch, OverdueOnlyPastTheLimitAndOnlyWhileInFlight) {
  CallWatch w;
  const auto t0 = CallWatch::clock::time_point{} + 1h;
  EXPECT_FALSE(w.overdue(t0, 1s));
  w.begin("capture", 7, t0);
  EXPECT_FALSE(w.overdue(t0 + 1s, 1s));
  auto od = w.overdue(t0 + 1s + 1ms, 1s);
  ASSERT_TRUE(od);
  EXPECT_EQ(od->call, "capture");
  EXPECT_EQ(od->request, 7u);
  w.end();
  EXPECT_FALSE(w.overdue(t0 + 1h, 1s));
}

TEST(WatchedCamera, AHungCaptureIsSeenInFlightUntilItReturns) {
  Fixture f;
  ASSERT_TRUE(f.cam->open());
  {
    std::lock_guard lk(f.fake->mu);
    f.fake->released = false;
  }
  std::thread t([&] { (void)f.cam->capture(42); });
  {
    std::unique_lock lk(f.fake->mu);
    f.fake->cv.wait(lk, [&] { return f.fake->entered; });
  }
  // Judged "now + 1 h": however slow the machine, the call in flight is past a 1 s limit.
  auto od = f.watch->overdue(CallWatch::clock::now() + 1h, 1s);
  ASSERT_TRUE(od);
  EXPECT_EQ(od->call, "capture");
  EXPECT_EQ(od->request, 42u);
  {
    std::lock_guard lk(f.fake->mu);
    f.fake->released = true;
  }
  f.fake->cv.notify_all();
  t.join();
  EXPECT_FALSE(f.watch->overdue(CallWatch::clock::now() + 1h, 1s));
}

TEST(WatchedCamera, ReportsUnplugAndReplugOnceEach) {
  Fixture f;
  ASSERT_TRUE(f.cam->open());
  ASSERT_EQ(f.links.size(), 1u);
  EXPECT_TRUE(f.links[0].connected);
  EXPECT_EQ(f.links[0].model, "Fake D1");
  f.fake->busy = true;  // busy says nothing about the link
  EXPECT_FALSE(f.cam->capture(1));
  EXPECT_EQ(f.links.size(), 1u);
  f.fake->busy = false;
  f.fake->unplugged = true;
  EXPECT_FALSE(f.cam->capture(2));
  EXPECT_FALSE(f.cam->reconnect());
  ASSERT_EQ(f.links.size(), 2u);
  EXPECT_FALSE(f.links[1].connected);
  EXPECT_EQ(f.links[1].error, "not on the bus");
  f.fake->unplugged = false;
  EXPECT_TRUE(f.cam->reconnect().ok());
  EXPECT_TRUE(f.cam->capture(3));
  ASSERT_EQ(f.links.size(), 3u);
  EXPECT_TRUE(f.links[2].connected);
}

TEST(WatchedCamera, NoCameraAtOpenIsReportedWithTheCause) {
  Fixture f;
  f.fake->unplugged = true;
  EXPECT_FALSE(f.cam->open());
  ASSERT_EQ(f.links.size(), 1u);
  EXPECT_FALSE(f.links[0].connected);
  EXPECT_EQ(f.links[0].error, "no camera found");
}

TEST(StorageCheck, AWritableRootWithRoomPasses) {
  EXPECT_FALSE(storage_problem(testing::TempDir(), 0, 0));
}

TEST(StorageCheck, ARootNotMadeYetIsJudgedByItsParent) {
  EXPECT_FALSE(storage_problem(std::filesystem::path(testing::TempDir()) / "a" / "b", 0, 0));
}

TEST(StorageCheck, AReserveLargerThanTheDiskIsFull) {
  auto p = storage_problem(testing::TempDir(), uint64_t{1} << 40, 0);  // 1 EiB in MB
  ASSERT_TRUE(p);
  EXPECT_NE(p->find("is full"), std::string::npos) << *p;
  EXPECT_NE(p->find("storage.reserve_mb"), std::string::npos) << *p;
}

TEST(StorageCheck, AFileWhereTheRootShouldBeIsNamed) {
  const auto f = std::filesystem::path(testing::TempDir()) / "tb-storage-check-file";
  { std::ofstream(f) << "x"; }
  auto p = storage_problem(f / "sessions", 0, 0);
  std::filesystem::remove(f);
  ASSERT_TRUE(p);
  EXPECT_NE(p->find("is not a directory"), std::string::npos) << *p;
}

}  // namespace
}  // namespace tb::daemon
