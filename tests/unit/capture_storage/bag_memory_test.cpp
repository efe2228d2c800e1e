// Memory flat over a session, for the bag alone (issue 9): what a Bag holds on the heap after N
// frames of four files (RAW, JPEG, XMP, preview) must not grow with N. The manifest lines live
// in the fsync'd manifest on disk, which finalize streams; an in-RAM entry per file (~250 B,
// 1 kB a frame) is what this catches. Counted exactly by a replaced operator new/delete (its
// own binary: the replacement is global): memory, not time.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <optional>

#include <fmt/format.h>

#include "../heap_count.hpp"
#include "test_util.hpp"
#include "tetherbox/capture/storage.hpp"

namespace tb::capture {
namespace {

using testing::pattern_bytes;
using testing::TempDir;

long long finalize_peak = -1;  // of the last held_after(): heap finalize took above what was live

// Heap the bag still holds after `frames` committed frames (bytes above what was live once the
// bag existed), then finalizes and verifies the bag with every line in it.
std::optional<long long> held_after(const fs::path& root, int frames) {
  auto b = Bag::create(root, "mem");
  EXPECT_TRUE(b.ok()) << (b.ok() ? "" : b.error().message);
  if (!b) return std::nullopt;
  Bag& bag = **b;
  const auto body = pattern_bytes(64, 7);
  const std::string hash = sha256_hex(body);
  long long before = -1;
  for (int i = 0; i < frames; ++i) {
    std::vector<Bag::Staged> batch;
    for (const char* pattern :
         {"frames/f{:06}.dng", "frames/f{:06}.jpg", "frames/f{:06}.xmp", "previews/f{:06}.jpg"}) {
      auto s = bag.stage(fmt::format(fmt::runtime(pattern), i));
      EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
      if (!s) return std::nullopt;
      EXPECT_TRUE(s->file.write(body).ok());
      s->sha256 = hash;
      batch.push_back(std::move(*s));
    }
    const Status st = bag.commit(batch);
    EXPECT_TRUE(st.ok()) << (st.ok() ? "" : st.error().message);
    // Measured from after the first frame: the append descriptor and directories exist.
    if (i == 0) before = tb::testing::heap_live();
  }
  const long long held = tb::testing::heap_live() - before;
  const long long live = tb::testing::heap_live();
  tb::testing::reset_heap_peak();
  EXPECT_TRUE(bag.finalize({}).ok());
  finalize_peak = tb::testing::heap_peak() - live;
  auto rep = verify_bag(bag.dir());
  EXPECT_TRUE(rep.ok());
  if (rep) {
    EXPECT_TRUE(rep->ok()) << ::testing::PrintToString(rep->problems)
                           << ::testing::PrintToString(rep->changed);
    EXPECT_GE(rep->files_checked, 4u * static_cast<size_t>(frames));
  }
  return held;
}

TEST(BagMemory, HeapHeldByTheBagDoesNotGrowWithTheFrames) {
  TempDir tmp;
  const int short_run = 100, long_run = 1000;
  const auto held_short = held_after(tmp.path() / "a", short_run);
  const auto held_long = held_after(tmp.path() / "b", long_run);
  ASSERT_TRUE(held_short && held_long);
  // finalize streams the manifest (4000 lines, ~400 KB here) through fixed buffers and hashes
  // the journal through another: its peak is a few small buffers whatever the manifest's
  // length (1 MiB ones, one grown past 2 MiB, and a 4 MiB hash buffer made finalize the largest
  // part of a 10 000-frame session's peak RSS at close).
  std::printf("finalize peak heap after %d frames: %lld B\n", long_run, finalize_peak);
  EXPECT_GT(finalize_peak, 0);
  EXPECT_LT(finalize_peak, 768 * 1024);
  const long long a = *held_short, b = *held_long;
  const double per_frame = static_cast<double>(b - a) / (long_run - short_run);
  std::printf("bag heap held: %lld B after %d frames, %lld B after %d frames: %.1f B per frame\n",
              a, short_run, b, long_run, per_frame);
  // One manifest entry kept per file would be ~1 kB a frame; nothing per frame is allowed.
  EXPECT_LT(per_frame, 8.0);
}

}  // namespace
}  // namespace tb::capture
