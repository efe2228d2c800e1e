// The sim camera as the engine sees it: files, reported exposure, and injected faults.
#include <gtest/gtest.h>
#include <turbojpeg.h>

#include <set>

#include "sim_test_support.hpp"
#include "tetherbox/hal/sim/sim.hpp"

namespace tb::hal::sim {
namespace {

using test::FakeClock;
using test::small_config;

struct Decoded {
  int width = 0, height = 0;
  double mean = 0;
};

Decoded decode(const std::vector<uint8_t>& jpeg) {
  Decoded d;
  tjhandle tj = tjInitDecompress();
  int sub = 0, cs = 0;
  if (tjDecompressHeader3(tj, jpeg.data(), jpeg.size(), &d.width, &d.height, &sub, &cs) != 0) {
    tjDestroy(tj);
    ADD_FAILURE() << "not a JPEG: " << tjGetErrorStr();
    return d;
  }
  std::vector<uint8_t> rgb(static_cast<size_t>(d.width) * d.height * 3);
  EXPECT_EQ(
      tjDecompress2(tj, jpeg.data(), jpeg.size(), rgb.data(), d.width, 0, d.height, TJPF_RGB, 0),
      0);
  tjDestroy(tj);
  double s = 0;
  for (uint8_t v : rgb) s += v;
  d.mean = s / static_cast<double>(rgb.size());
  return d;
}

struct Rig {
  std::shared_ptr<SimWorld> world = make_world();
  std::shared_ptr<FakeClock> clock = std::make_shared<FakeClock>();
  std::unique_ptr<Camera> camera;
  explicit Rig(const config::Config& cfg) {
    camera = make_camera(world, cfg, clock);
    std::lock_guard lock(world->mu);
    world->lights_on = {"key"};
  }
};

TEST(SimCamera, OpenDescribesTheCamera) {
  auto cfg = small_config(320, 200);
  Rig rig(cfg);
  auto info = rig.camera->open();
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->backend, "sim");
  EXPECT_EQ(info->model, "tetherbox sim camera");
  EXPECT_EQ(info->width, 320);
  EXPECT_EQ(info->height, 200);
  EXPECT_FALSE(info->serial.empty());
  cfg.camera.sim.seed = 99;
  Rig other(cfg);
  EXPECT_NE(other.camera->open()->serial, info->serial);
}

TEST(SimCamera, CaptureBeforeOpenIsRefused) {
  Rig rig(small_config());
  auto r = rig.camera->capture(1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::invalid);
}

TEST(SimCamera, ReconnectReopensAClosedSession) {
  Rig rig(small_config(64, 48));
  ASSERT_TRUE(rig.camera->open().ok());
  rig.camera->close();
  EXPECT_FALSE(rig.camera->capture(1).ok());
  ASSERT_TRUE(rig.camera->reconnect().ok());
  EXPECT_TRUE(rig.camera->capture(2).ok());
}

TEST(SimCamera, JpegCaptureDecodesAtTheConfiguredSize) {
  Rig rig(small_config(320, 200));
  ASSERT_TRUE(rig.camera->open().ok());
  auto r = rig.camera->capture(42);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->request_id, 42u);
  ASSERT_EQ(r->files.size(), 1u);
  const auto& f = r->files[0];
  EXPECT_EQ(f.extension, "jpg");
  EXPECT_EQ(f.mime, "image/jpeg");
  EXPECT_TRUE(f.camera_name.starts_with("DSC_") && f.camera_name.ends_with(".JPG"))
      << f.camera_name;
  const Decoded d = decode(f.data);
  EXPECT_EQ(d.width, 320);
  EXPECT_EQ(d.height, 200);
  EXPECT_GT(d.mean, 40);
  EXPECT_LT(d.mean, 200);
  EXPECT_EQ(r->trigger_utc, rig.clock->now_utc());  // the fake clock only moves on sleeps
  EXPECT_NEAR(r->trigger_uncertainty_s, 0.005, 1e-12);
  EXPECT_TRUE(r->reported_valid);
}

TEST(SimCamera, ReportsAndAppliesTheExposureItWasSet) {
  Rig rig(small_config());
  ASSERT_TRUE(rig.camera->open().ok());
  ASSERT_TRUE(rig.camera->set_exposure({1.0 / 250.0, 8.0, 100, 0.0}).ok());
  auto dim = rig.camera->capture(1);
  ASSERT_TRUE(rig.camera->set_exposure({1.0 / 60.0, 8.0, 100, 0.0}).ok());
  auto bright = rig.camera->capture(2);
  ASSERT_TRUE(dim.ok() && bright.ok());
  EXPECT_DOUBLE_EQ(dim->reported.shutter_s, 1.0 / 250.0);
  EXPECT_DOUBLE_EQ(bright->reported.shutter_s, 1.0 / 60.0);
  EXPECT_DOUBLE_EQ(rig.camera->read_exposure()->shutter_s, 1.0 / 60.0);
  EXPECT_GT(decode(bright->files[0].data).mean, decode(dim->files[0].data).mean + 20);
}

TEST(SimCamera, SetExposureRejectsNonPositiveValuesNamingThem) {
  Rig rig(small_config());
  ASSERT_TRUE(rig.camera->open().ok());
  auto s = rig.camera->set_exposure({0.0, 8.0, 100, 0.0});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::invalid);
  EXPECT_NE(s.error().message.find("shutter"), std::string::npos) << s.error().message;
  auto a = rig.camera->set_exposure({0.01, -2.0, 100, 0.0});
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.error().message.find("-2"), std::string::npos) << a.error().message;
  auto i = rig.camera->set_exposure({0.01, 8.0, 0, 0.0});
  ASSERT_FALSE(i.ok());
  EXPECT_NE(i.error().message.find("iso 0"), std::string::npos) << i.error().message;
  EXPECT_DOUBLE_EQ(rig.camera->read_exposure()->shutter_s, 1.0 / 125.0) << "kept the old value";
}

TEST(SimCamera, HousekeepingCallsSucceed) {
  Rig rig(small_config());
  ASSERT_TRUE(rig.camera->open().ok());
  EXPECT_TRUE(rig.camera->lock_automatics().ok());
  EXPECT_TRUE(rig.camera->drain().ok());
  auto off = rig.camera->sync_clock(rig.clock->now_utc());
  ASSERT_TRUE(off.ok());
  ASSERT_TRUE(off->has_value());
  EXPECT_NEAR(**off, 0.0, 0.1);
}

TEST(SimCamera, BusyIsDeterministicPerCaptureIndex) {
  auto cfg = small_config(64, 48);
  cfg.camera.sim.faults.busy_probability = 0.3;
  Rig a(cfg), b(cfg);
  ASSERT_TRUE(a.camera->open().ok() && b.camera->open().ok());
  std::vector<bool> pa, pb;
  for (int i = 0; i < 60; ++i) {
    auto ra = a.camera->capture(i), rb = b.camera->capture(i);
    if (!ra.ok()) {
      EXPECT_EQ(ra.error().code, Errc::busy) << ra.error().message;
    }
    pa.push_back(!ra.ok());
    pb.push_back(!rb.ok());
  }
  EXPECT_EQ(pa, pb);
  const auto busy = std::count(pa.begin(), pa.end(), true);
  EXPECT_GT(busy, 6);
  EXPECT_LT(busy, 32);
}

TEST(SimCamera, DisconnectNeedsReconnect) {
  auto cfg = small_config(64, 48);
  cfg.camera.sim.faults.disconnect_at = {2};
  cfg.camera.sim.faults.disconnect_captures = 3;
  Rig rig(cfg);
  ASSERT_TRUE(rig.camera->open().ok());
  EXPECT_TRUE(rig.camera->capture(1).ok());  // call 0
  EXPECT_TRUE(rig.camera->capture(2).ok());  // call 1
  auto gone = rig.camera->capture(3);        // call 2: vanishes (1 of 3)
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code, Errc::disconnected);
  EXPECT_EQ(rig.camera->capture(3).error().code, Errc::disconnected);  // 2 of 3
  auto early = rig.camera->reconnect();                                // 3 of 3
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.error().code, Errc::disconnected);
  // Back on the bus, but the session is gone until reconnect().
  auto still = rig.camera->capture(3);
  ASSERT_FALSE(still.ok());
  EXPECT_NE(still.error().message.find("reconnect"), std::string::npos) << still.error().message;
  ASSERT_TRUE(rig.camera->reconnect().ok());
  auto back = rig.camera->capture(3);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->request_id, 3u);
}

TEST(SimCamera, WrongExposureAtAnIndexIsReportedAndRendered) {
  auto cfg = small_config(160, 100);
  cfg.camera.sim.faults.wrong_exposure_at = {1};
  Rig rig(cfg);
  ASSERT_TRUE(rig.camera->open().ok());
  auto good = rig.camera->capture(1), wrong = rig.camera->capture(2),
       again = rig.camera->capture(3);
  ASSERT_TRUE(good.ok() && wrong.ok() && again.ok());
  EXPECT_DOUBLE_EQ(good->reported.shutter_s, 1.0 / 125.0);
  EXPECT_DOUBLE_EQ(wrong->reported.shutter_s, 2.0 / 125.0);
  EXPECT_DOUBLE_EQ(again->reported.shutter_s, 1.0 / 125.0);
  EXPECT_GT(decode(wrong->files[0].data).mean, decode(good->files[0].data).mean + 15);
}

TEST(SimCamera, SlowDownloadSleepsOnTheClock) {
  auto cfg = small_config(64, 48);
  cfg.camera.sim.faults.slow_download_ms = 700;
  Rig rig(cfg);
  ASSERT_TRUE(rig.camera->open().ok());
  auto r = rig.camera->capture(1);
  ASSERT_TRUE(r.ok());
  EXPECT_NEAR(rig.clock->slept_s(), 0.7, 1e-6);
  EXPECT_NEAR(r->download_s, 0.7, 1e-6);
}

TEST(SimCamera, NamesComeBackAfterRollOver) {
  Rig rig(small_config(32, 32));
  ASSERT_TRUE(rig.camera->open().ok());
  std::vector<std::string> names;
  for (int i = 0; i < 30; ++i) {
    auto r = rig.camera->capture(i);
    ASSERT_TRUE(r.ok());
    names.push_back(r->files[0].camera_name);
  }
  const auto wrap = std::find(names.begin(), names.end(), "DSC_0001.JPG");
  ASSERT_NE(wrap, names.end()) << "a run of 30 shows the roll-over";
  ASSERT_NE(wrap, names.begin());
  EXPECT_EQ(*(wrap - 1), "DSC_9999.JPG");
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), names.size());
}

TEST(SimCamera, RawPlusJpegGivesTwoFilesOfOneNumber) {
  auto cfg = small_config(96, 64);
  cfg.camera.format = "raw+jpeg";
  Rig rig(cfg);
  ASSERT_TRUE(rig.camera->open().ok());
  auto r = rig.camera->capture(5);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->files.size(), 2u);
  std::set<std::string> exts;
  for (const auto& f : r->files) {
    exts.insert(f.extension);
    EXPECT_EQ(f.camera_name.substr(0, 8), r->files[0].camera_name.substr(0, 8));
    EXPECT_FALSE(f.data.empty());
  }
  EXPECT_EQ(exts, (std::set<std::string>{"dng", "jpg"}));
}

TEST(SimCamera, UnknownFormatIsReportedAtOpen) {
  auto cfg = small_config();
  cfg.camera.format = "tiff";
  Rig rig(cfg);
  auto r = rig.camera->open();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("tiff"), std::string::npos);
}

TEST(SimCamera, RendersTheWorldPoseAndLights) {
  Rig rig(small_config(160, 100));
  ASSERT_TRUE(rig.camera->open().ok());
  auto lit = rig.camera->capture(1);
  {
    std::lock_guard lock(rig.world->mu);
    rig.world->lights_on.clear();
  }
  auto dark = rig.camera->capture(2);
  ASSERT_TRUE(lit.ok() && dark.ok());
  EXPECT_GT(decode(lit->files[0].data).mean, decode(dark->files[0].data).mean + 20);
}

}  // namespace
}  // namespace tb::hal::sim
