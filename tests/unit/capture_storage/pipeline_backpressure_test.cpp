// Issue 9 items 4 and 5: the pipeline queue is bounded in bytes (a camera faster than the disk
// waits, memory stays bounded, the journal says why), and the idle-priority preview thread only
// decodes: every durable write happens on the pipeline thread.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include "test_util.hpp"
#include "tetherbox/capture/pipeline.hpp"
#include "tetherbox/capture/preview.hpp"

namespace tb::capture {
namespace {

using namespace std::chrono_literals;
using testing::pattern_bytes;
using testing::TempDir;

constexpr size_t kRawBytes = 1u << 20;

PipelineJob raw_job(uint64_t seq) {
  PipelineJob job;
  job.record.request_id = 1 + seq;
  job.record.seq = seq;
  job.record.name = fmt::format("bp_{:05}", seq);
  job.record.position.light = "key";
  job.record.trigger_utc = std::chrono::system_clock::now();
  job.record.gps.reason = "no gps configured";
  job.record.ambient.reason = "unavailable";
  job.capture.request_id = job.record.request_id;
  job.capture.files.push_back(
      {"DSC_0001.DNG", "dng", "image/x-adobe-dng", pattern_bytes(kRawBytes, seq)});
  return job;
}

struct Rig {
  TempDir tmp;
  std::unique_ptr<Bag> bag;
  std::unique_ptr<Journal> journal;
  Rig() {
    auto b = Bag::create(tmp.path(), "s");
    if (!b) throw std::runtime_error(b.error().message);
    bag = std::move(*b);
    auto j = Journal::open(bag->data_dir() / "journal.jsonl");
    if (!j) throw std::runtime_error(j.error().message);
    journal = std::move(*j);
  }
  std::vector<nlohmann::json> lines(const std::string& type) const {
    std::vector<nlohmann::json> out;
    const auto all = Journal::read_lines(bag->data_dir() / "journal.jsonl");
    for (const auto& l : *all) {
      auto j = nlohmann::json::parse(l);
      if (j.at("type") == type) out.push_back(std::move(j));
    }
    return out;
  }
};

// A slow disk (the first frame's store does not finish until released) and a camera that keeps
// pushing: with room for 100 frames but 3 MB, the fourth 1 MB frame waits. Without the byte
// bound all of them would be queued in memory at once.
TEST(PipelineBackpressure, QueueIsBoundedInBytesAndTheJournalSaysWhy) {
  Rig rig;
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  PipelineOptions opts;
  opts.previews.enabled = false;
  opts.reserve_bytes = 0;
  opts.max_queue = 100;
  opts.max_queue_bytes = 3 * kRawBytes;
  std::atomic<int> done{0};
  Pipeline pipe(*rig.bag, *rig.journal, opts, [&](const FrameRecord&) {
    gate.wait();
    ++done;
  });
  std::atomic<int> pushed{0};
  std::atomic<uint64_t> max_seen{0};
  std::thread camera([&] {
    for (uint64_t i = 0; i < 8; ++i) {
      EXPECT_TRUE(pipe.push(raw_job(i)).ok());
      ++pushed;
      max_seen = std::max<uint64_t>(max_seen, pipe.queued_bytes());
    }
  });
  // The backpressure line is journaled before push() starts to wait: wait for it (the timeout
  // only catches a hang).
  std::vector<nlohmann::json> bp;
  for (int i = 0; i < 3000 && bp.empty(); ++i) {
    std::this_thread::sleep_for(10ms);
    bp = rig.lines("backpressure");
  }
  ASSERT_EQ(bp.size(), 1u) << "no backpressure line while the disk held the queue";
  EXPECT_NE(bp[0].at("message").get<std::string>().find(
                "backpressure: disk slower than camera, queue full (3.0 MB"),
            std::string::npos)
      << bp[0].dump();
  EXPECT_EQ(bp[0].at("queued_bytes").get<uint64_t>(), 3 * kRawBytes);
  EXPECT_EQ(pushed.load(), 3) << "push() took a frame beyond the byte budget";
  EXPECT_LE(pipe.queued_bytes(), 3 * kRawBytes);
  release.set_value();
  camera.join();
  ASSERT_TRUE(pipe.drain().ok());
  EXPECT_EQ(done.load(), 8);
  EXPECT_LE(max_seen.load(), 3 * kRawBytes);
  EXPECT_EQ(pipe.queued_bytes(), 0u);
  EXPECT_EQ(rig.lines("frame").size(), 8u);  // nothing lost
}

// One frame larger than the whole budget is still taken (alone), never a deadlock.
TEST(PipelineBackpressure, AFrameLargerThanTheBudgetIsTakenAlone) {
  Rig rig;
  PipelineOptions opts;
  opts.previews.enabled = false;
  opts.reserve_bytes = 0;
  opts.max_queue_bytes = kRawBytes / 2;
  Pipeline pipe(*rig.bag, *rig.journal, opts);
  auto pushes = std::async(std::launch::async, [&] {
    for (uint64_t i = 0; i < 3; ++i)
      if (!pipe.push(raw_job(i)).ok()) return false;
    return true;
  });
  ASSERT_EQ(pushes.wait_for(120s), std::future_status::ready) << "push() deadlocked";
  ASSERT_TRUE(pushes.get());
  ASSERT_TRUE(pipe.drain().ok());
  EXPECT_EQ(rig.lines("frame").size(), 3u);
}

std::vector<uint8_t> small_jpeg() {
  std::vector<uint8_t> rgb(320 * 240 * 3, 128);
  return make_preview_from_rgb(rgb, 320, 240, 320, 90)->jpeg;
}

// Item 5: decoding runs on the preview thread; the preview's commit, journal line and callback
// run on the pipeline thread (the one that stores frames), never on the idle-priority one.
TEST(PipelineBackpressure, PreviewThreadOnlyDecodesAndThePipelineThreadCommits) {
  Rig rig;
  std::mutex mu;
  std::set<std::thread::id> decode_threads, frame_threads, preview_threads;
  PipelineOptions opts;
  opts.previews.max_size = 160;
  opts.reserve_bytes = 0;
  opts.on_preview_decoded = [&](uint64_t, const Preview& pv) {
    EXPECT_FALSE(pv.jpeg.empty());
    std::lock_guard lock(mu);
    decode_threads.insert(std::this_thread::get_id());
  };
  Pipeline pipe(
      *rig.bag, *rig.journal, opts,
      [&](const FrameRecord&) {
        std::lock_guard lock(mu);
        frame_threads.insert(std::this_thread::get_id());
      },
      [&](const PreviewDone& p) {
        EXPECT_TRUE(p.file.has_value()) << p.fault;
        std::lock_guard lock(mu);
        preview_threads.insert(std::this_thread::get_id());
      });
  for (uint64_t i = 0; i < 4; ++i) {
    auto job = raw_job(i);
    job.capture.files.push_back({"DSC_0001.JPG", "jpg", "image/jpeg", small_jpeg()});
    ASSERT_TRUE(pipe.push(std::move(job)).ok());
  }
  ASSERT_TRUE(pipe.drain().ok());
  EXPECT_EQ(rig.lines("preview").size(), 4u);
  for (const auto& l : rig.lines("preview"))
    EXPECT_TRUE(rig.bag->has(l.at("file").at("path").get<std::string>().substr(5))) << l.dump();
  std::lock_guard lock(mu);
  ASSERT_EQ(decode_threads.size(), 1u);
  ASSERT_EQ(frame_threads.size(), 1u);
  EXPECT_EQ(preview_threads, frame_threads);
  EXPECT_NE(*decode_threads.begin(), *frame_threads.begin());
}

}  // namespace
}  // namespace tb::capture

#include "tetherbox/capture/resume.hpp"

namespace tb::capture {
namespace {

// Resume re-hashes nothing by default (a 100 000-frame bag starts within seconds), but a
// claimed file whose size differs from its journal line is caught and its frame retaken.
TEST(ResumeCheck, AClaimedFileOfTheWrongSizeIsRetakenWithoutHashing) {
  Rig rig;
  std::string dng;
  {
    PipelineOptions opts;
    opts.previews.enabled = false;
    opts.reserve_bytes = 0;
    Pipeline pipe(*rig.bag, *rig.journal, opts);
    for (uint64_t i = 0; i < 3; ++i) ASSERT_TRUE(pipe.push(raw_job(i)).ok());
    ASSERT_TRUE(pipe.drain().ok());
  }
  const fs::path dir = rig.bag->dir();
  rig.journal.reset();
  rig.bag.reset();
  const fs::path victim = dir / "data/frames/bp_00001.dng";
  fs::resize_file(victim, kRawBytes / 2);  // cut short, e.g. by a copy tool
  auto bag = Bag::open_existing(dir);
  ASSERT_TRUE(bag.ok()) << bag.error().message;
  auto st = load_journal(**bag, /*repair=*/true);
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(st->retaken, std::vector<std::string>{"bp_00001"});
  EXPECT_EQ(st->done_seqs, (std::set<uint64_t>{0, 2}));
  EXPECT_FALSE(fs::exists(victim));  // moved aside, never deleted
  EXPECT_TRUE(fs::exists(dir / "quarantine/data/frames/bp_00001.dng"));
}

}  // namespace
}  // namespace tb::capture
