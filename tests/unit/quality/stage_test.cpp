// The quality stage between the camera and the pipeline: a frame the checks find blurred is
// marked superseded by the retake name it was given (and says so in its fault) before it is
// handed on; with no retake name it is kept as "not retaken"; sharp frames are never marked; a
// pipeline that refuses a frame stops further submits with its error. Real sim captures, one
// of them out of focus (defocus fault).
#include <gtest/gtest.h>

#include <mutex>

#include "tetherbox/capture/quality_stage.hpp"
#include "tetherbox/hal/clock.hpp"
#include "tetherbox/hal/sim/sim.hpp"

namespace tb::capture::quality {
namespace {

std::vector<hal::CaptureResult> shoot(int n, std::vector<int> defocus_at) {
  config::Config cfg;
  cfg.camera.sim.width = 160;
  cfg.camera.sim.height = 120;
  cfg.camera.format = "raw";
  cfg.camera.sim.faults.defocus_at = std::move(defocus_at);
  cfg.camera.sim.faults.defocus_radius_px = 3;
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

struct Sink {
  std::mutex mu;
  std::vector<FrameRecord> pushed;
  std::vector<nlohmann::json> lines;
  bool refuse = false;
};

PipelineJob job(const hal::CaptureResult& cap, int i) {
  PipelineJob j;
  j.record.seq = static_cast<uint64_t>(i);
  j.record.request_id = static_cast<uint64_t>(i + 1);
  j.record.name = "f" + std::to_string(i);
  j.record.position.light = "key";
  j.capture = cap;
  return j;
}

TEST(QualityStage, BlurredFrameMarkedSupersededOnlyWhenARetakeFollows) {
  const auto caps = shoot(6, {4});
  for (const bool retake : {true, false}) {
    config::Quality q;
    Monitor monitor(q, {});
    Sink sink;
    std::vector<Outcome> outcomes;
    {
      Stage stage(
          monitor,
          [&](nlohmann::json j) {
            std::lock_guard lk(sink.mu);
            sink.lines.push_back(std::move(j));
          },
          [&](PipelineJob j) -> Status {
            std::lock_guard lk(sink.mu);
            sink.pushed.push_back(std::move(j.record));
            return ok_status();
          });
      for (int i = 0; i < 6; ++i) {
        auto f = stage.submit(job(caps[static_cast<size_t>(i)], i),
                              retake ? "f" + std::to_string(i) + "_r1" : "");
        ASSERT_TRUE(f.ok());
        outcomes.push_back(f->get());
      }
      ASSERT_TRUE(stage.drain().ok());
    }
    ASSERT_EQ(sink.pushed.size(), 6u);
    for (int i = 0; i < 6; ++i) {
      const auto& r = sink.pushed[static_cast<size_t>(i)];
      EXPECT_EQ(r.name, "f" + std::to_string(i));  // in order
      EXPECT_EQ(outcomes[static_cast<size_t>(i)].blurred, i == 4) << i;
      EXPECT_EQ(r.sharpness.blurred, i == 4) << i;
      EXPECT_EQ(r.superseded_by, retake && i == 4 ? "f4_r1" : "") << i;
    }
    const auto& faults = sink.pushed[4].faults;
    ASSERT_EQ(faults.size(), 1u);
    EXPECT_NE(faults[0].find(retake ? "retaken in place as f4_r1" : "; not retaken"),
              std::string::npos)
        << faults[0];
    ASSERT_EQ(sink.lines.size(), 1u);  // the fault, journaled with the frame's seq
    EXPECT_EQ(sink.lines[0]["seq"], 4);
    EXPECT_EQ(monitor.live_summary(),
              retake ? "1 blurred, retaken; 0 clipped" : "1 blurred, not retaken; 0 clipped");
  }
}

TEST(QualityStage, APipelineErrorStopsFurtherFrames) {
  const auto caps = shoot(2, {});
  config::Quality q;
  Monitor monitor(q, {});
  Stage stage(
      monitor, [](nlohmann::json) {},
      [](PipelineJob) -> Status { return make_error(Errc::no_space, "disk full"); }, 1);
  auto first = stage.submit(job(caps[0], 0), "");
  ASSERT_TRUE(first.ok());
  first->get();
  auto drained = stage.drain();
  ASSERT_FALSE(drained.ok());
  EXPECT_EQ(drained.error().code, Errc::no_space);
  auto second = stage.submit(job(caps[1], 1), "");
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().message, "disk full");
}

}  // namespace
}  // namespace tb::capture::quality
