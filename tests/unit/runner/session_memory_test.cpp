// Memory flat over a session (issue 9, item 4): the heap a session holds at its peak grows by
// a few hundred bytes per frame (the bag's manifest entries, the set of durable seqs), not by
// a whole FrameRecord per frame, which the runner used to keep for the whole session so the
// report and the exports could be built at close (they now stream the journal back). Counted
// exactly by a replaced operator new/delete: memory, not time.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>
#include <unistd.h>

#include "../heap_count.hpp"
#include "fake_devices.hpp"
#include "tetherbox/capture/runner.hpp"
#include "tetherbox/config/load.hpp"
#include "tetherbox/hal/buttons.hpp"

namespace tb::capture {
namespace {

namespace fs = std::filesystem;

// Every wait is a trigger press: the session runs until max_brackets.
class PressingButtons final : public hal::Buttons {
 public:
  std::optional<hal::ButtonEvent> wait_press(std::chrono::milliseconds) override {
    return hal::ButtonEvent{"trigger", "trigger", {}, false, {}};
  }
};

// Peak heap (bytes above what was live before) of a buttons session of `presses` frames.
long long session_peak(const fs::path& root, int presses) {
  const std::string yaml = fmt::format(
      "board: sim\n"
      "session: {{name: mem, mode: buttons, max_brackets: {}}}\n"
      "camera: {{backend: sim, exposure: {{shutter: \"1/125\", aperture: 8, iso: 100}}, "
      "format: jpeg, verify_retries: 0, set_clock: false}}\n"
      "orbit: {{enabled: false}}\n"
      "turntable: {{backend: none}}\n"
      "lighting: {{backend: none, lights: [], presets: []}}\n"
      "brackets: {{ev: [0]}}\n"
      "buttons: {{backend: sim, buttons: [{{name: trigger, action: trigger}}]}}\n"
      "storage: {{root: {}, reserve_mb: 1, previews: {{enabled: false}}}}\n",
      presses, root.string());
  auto cfg = config::load_string(yaml, "memory-test");
  EXPECT_TRUE(cfg.ok()) << (cfg.ok() ? "" : cfg.error().message);
  if (!cfg) return -1;
  hal::Devices dev;
  dev.clock = std::make_shared<test::ManualClock>();
  auto cam = std::make_unique<test::ScriptedCamera>();
  cam->fallback = {std::nullopt, {1.0 / 125, 8, 100}, true};
  dev.camera = std::move(cam);
  dev.buttons = std::make_unique<PressingButtons>();
  RunOptions opts;
  const long long before = tb::testing::heap_live();
  tb::testing::reset_heap_peak();
  auto r = run_session(*cfg, dev, opts);
  const long long peak = tb::testing::heap_peak() - before;
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  if (r) {
    EXPECT_EQ(r->done, static_cast<size_t>(presses));
    EXPECT_EQ(r->faults, 0u);  // a fault per frame would be a record part the report keeps
  }
  return peak;
}

TEST(SessionMemory, PeakHeapGrowsByAFewHundredBytesPerFrameNotByARecord) {
  const fs::path root = fs::temp_directory_path() / fmt::format("tb-mem-{}", ::getpid());
  fs::create_directories(root);
  const int short_presses = 120, long_presses = 1200;
  const long long a = session_peak(root / "a", short_presses);
  const long long b = session_peak(root / "b", long_presses);
  fs::remove_all(root);
  ASSERT_GT(a, 0);
  ASSERT_GT(b, 0);
  const double per_frame = static_cast<double>(b - a) / (long_presses - short_presses);
  RecordProperty("peak_short_bytes", std::to_string(a));
  RecordProperty("peak_long_bytes", std::to_string(b));
  std::printf("peak heap: %lld B over %d frames, %lld B over %d frames: %.0f B per extra frame\n",
              a, short_presses, b, long_presses, per_frame);
  // A FrameRecord held per frame costs several kB (strings, files, GPS, ambient); the manifest
  // entries and seqs the session still keeps cost ~1 kB.
  EXPECT_LT(per_frame, 2500.0);
}

}  // namespace
}  // namespace tb::capture
