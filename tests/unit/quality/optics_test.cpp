// The optics check: focal length read from the sim camera's own files (zoom_creep fault), the
// reference taken from the session's first frame (also across a resume), the tolerance, and
// frames whose files carry no focal length skipped with a reason.
#include <gtest/gtest.h>

#include "tetherbox/capture/quality_monitor.hpp"
#include "tetherbox/capture/quality_optics.hpp"
#include "tetherbox/hal/clock.hpp"
#include "tetherbox/hal/sim/sim.hpp"

namespace tb::capture::quality {
namespace {

config::Config creep_config(const std::string& format) {
  config::Config cfg;
  cfg.camera.sim.width = 96;
  cfg.camera.sim.height = 64;
  cfg.camera.format = format;
  cfg.lens.focal_length_mm = 35;
  cfg.camera.sim.faults.zoom_creep_from = 2;
  cfg.camera.sim.faults.zoom_creep_mm_per_frame = 0.5;
  return cfg;
}

std::vector<hal::CaptureResult> shoot(const config::Config& cfg, int n) {
  auto cam =
      hal::sim::make_camera(hal::sim::make_world(), cfg, std::make_shared<hal::SystemClock>());
  EXPECT_TRUE(cam->open().ok());
  std::vector<hal::CaptureResult> out;
  for (int i = 0; i < n; ++i) {
    auto r = cam->capture(static_cast<uint64_t>(i + 1));
    EXPECT_TRUE(r.ok());
    if (r.ok()) out.push_back(std::move(*r));
  }
  return out;
}

TEST(Optics, ZoomCreepReadFromTheFilesAndHeldAgainstTheFirstFrame) {
  for (const std::string format : {"raw", "jpeg", "raw+jpeg"}) {
    const auto caps = shoot(creep_config(format), 5);
    ASSERT_EQ(caps.size(), 5u);
    OpticsWatch watch(0.6);
    std::vector<bool> changed;
    for (const auto& c : caps) {
      auto rec = read_optics(c);
      ASSERT_TRUE(rec.measured) << format << ": " << rec.reason;
      (void)watch.check(rec);
      EXPECT_DOUBLE_EQ(*rec.reference_mm, 35.0);
      changed.push_back(rec.changed);
    }
    // Captures 2, 3, 4 report 35.5, 36, 36.5 mm: only the last two exceed 0.6 mm.
    EXPECT_EQ(changed, (std::vector<bool>{false, false, false, true, true})) << format;
    EXPECT_EQ(read_optics(caps[4]).source,
              format == "jpeg" ? "file EXIF (jpg)" : "file EXIF (tiff)");
  }
}

TEST(Optics, ResumeKeepsTheBagsFirstFrameAsReference) {
  std::vector<FrameRecord> done(2);
  done[0].seq = 5;
  done[0].optics.measured = true;
  done[0].optics.focal_length_mm = 50;
  done[1].seq = 1;  // the earlier frame wins, whatever the order of the lines
  done[1].optics.measured = true;
  done[1].optics.focal_length_mm = 24;
  OpticsWatch watch(0.5);
  watch.seed(done);
  OpticsRecord rec;
  rec.measured = true;
  rec.focal_length_mm = 50;
  auto fault = watch.check(rec);
  ASSERT_TRUE(fault.has_value());
  EXPECT_TRUE(rec.changed);
  EXPECT_NE(fault->find("24.0 mm on the session's first frame"), std::string::npos) << *fault;
}

TEST(Optics, NoFocalLengthIsSkippedWithAReasonNeverAFault) {
  hal::CaptureResult cap;
  cap.files.push_back(hal::CapturedFile{"x.JPG", "jpg", "image/jpeg", {0xFF, 0xD8, 0xFF, 0xD9}});
  auto rec = read_optics(cap);
  EXPECT_FALSE(rec.measured);
  EXPECT_EQ(rec.reason, "no focal length in the frame's Exif");
  OpticsWatch watch(0.5);
  EXPECT_FALSE(watch.check(rec).has_value());
  EXPECT_FALSE(watch.reference_mm().has_value());  // an unmeasured frame is no reference
}

TEST(Optics, MonitorStopsOnlyWhenTheConfigSaysSo) {
  const auto caps = shoot(creep_config("jpeg"), 4);
  for (const bool stop : {false, true}) {
    config::Quality q;
    q.focal_tolerance_mm = 0.6;
    q.stop_on_optics_change = stop;
    Monitor m(q, {});
    std::vector<Verdict> v;
    for (const auto& c : caps) {
      FrameRecord r;
      v.push_back(m.on_captured(r, c));
    }
    EXPECT_TRUE(v[2].faults.empty());
    ASSERT_EQ(v[3].faults.size(), 1u);
    EXPECT_EQ(v[3].stop.has_value(), stop);
    EXPECT_EQ(m.live_summary(), "optics changed on 1");
  }
}

}  // namespace
}  // namespace tb::capture::quality
