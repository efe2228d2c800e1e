// The frame pipeline with the real preview, sidecar and record code: what lands on disk,
// back-pressure of the bounded queue, and how an error stops it without a half frame.
#include "tetherbox/capture/pipeline.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "test_util.hpp"
#include "tetherbox/capture/preview.hpp"

namespace tb::capture {
namespace {

using namespace std::chrono_literals;
using testing::list_files;
using testing::pattern_bytes;
using testing::read_all;
using testing::TempDir;

// A real JPEG (a smooth gradient) produced by the preview encoder itself.
std::vector<uint8_t> make_jpeg(int w, int h) {
  std::vector<uint8_t> rgb(static_cast<size_t>(w) * h * 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      uint8_t* p = &rgb[(static_cast<size_t>(y) * w + x) * 3];
      p[0] = static_cast<uint8_t>(x * 255 / w);
      p[1] = static_cast<uint8_t>(y * 255 / h);
      p[2] = 128;
    }
  auto pv = make_preview_from_rgb(rgb, w, h, std::max(w, h), 90);
  if (!pv) throw std::runtime_error(pv.error().message);
  return pv->jpeg;
}

PipelineJob make_job(uint64_t seq, bool with_jpeg, bool with_raw = true) {
  PipelineJob job;
  job.record.request_id = 1000 + seq;
  job.record.seq = seq;
  job.record.name = fmt::format("test_{:05}_key_+0.0_az{:03}", seq, seq * 10);
  job.record.position.light = "key";
  job.record.position.azimuth_deg = static_cast<double>(seq * 10);
  job.record.trigger_utc = std::chrono::system_clock::now();
  job.record.gps.reason = "no gps configured";
  job.record.ambient.reason = "unavailable";
  job.capture.request_id = job.record.request_id;
  if (with_raw)
    job.capture.files.push_back({"DSC_0001.DNG", "dng", "image/x-adobe-dng",
                                 pattern_bytes(200000, static_cast<uint32_t>(seq))});
  if (with_jpeg)
    job.capture.files.push_back({"DSC_0001.JPG", "jpg", "image/jpeg", make_jpeg(320, 240)});
  return job;
}

struct Fixture {
  TempDir tmp;
  std::unique_ptr<Bag> bag;
  std::unique_ptr<Journal> journal;
  Fixture() {
    auto b = Bag::create(tmp.path(), "s");
    if (!b) throw std::runtime_error(b.error().message);
    bag = std::move(*b);
    auto j = Journal::open(bag->data_dir() / "journal.jsonl");
    if (!j) throw std::runtime_error(j.error().message);
    journal = std::move(*j);
  }
  PipelineOptions options(uint64_t reserve = 0, size_t max_queue = 4) const {
    PipelineOptions o;
    o.previews.max_size = 160;
    o.reserve_bytes = reserve;
    o.max_queue = max_queue;
    o.sidecar.session = "test";
    o.sidecar.camera_model = "Sim Camera";
    return o;
  }
  std::vector<std::string> journal_lines() const {
    return *Journal::read_lines(bag->data_dir() / "journal.jsonl");
  }
};

TEST(Pipeline, ProcessStoresOriginalsPreviewSidecarAndJournal) {
  Fixture fx;
  std::vector<FrameRecord> done;
  Pipeline pipe(*fx.bag, *fx.journal, fx.options(),
                [&](const FrameRecord& r) { done.push_back(r); });
  auto job = make_job(3, true);
  const auto raw = job.capture.files[0].data;
  const auto jpg = job.capture.files[1].data;
  auto r = pipe.process(std::move(job));
  ASSERT_TRUE(r.ok()) << r.error().message;
  const std::string name = r->name;
  const auto data = fx.bag->data_dir();

  // Originals byte-for-byte.
  const std::string raw_disk = read_all(data / "frames" / (name + ".dng"));
  const std::string jpg_disk = read_all(data / "frames" / (name + ".jpg"));
  EXPECT_TRUE(raw_disk == std::string(raw.begin(), raw.end()));
  EXPECT_TRUE(jpg_disk == std::string(jpg.begin(), jpg.end()));
  // Preview is a JPEG, smaller than the original.
  const std::string pv = read_all(data / "previews" / (name + ".jpg"));
  ASSERT_GE(pv.size(), 3u);
  EXPECT_EQ(static_cast<uint8_t>(pv[0]), 0xFF);
  EXPECT_EQ(static_cast<uint8_t>(pv[1]), 0xD8);
  EXPECT_LT(pv.size(), jpg.size());
  const std::string xmp = read_all(data / "frames" / (name + ".xmp"));
  EXPECT_NE(xmp.find("x:xmpmeta"), std::string::npos);

  // The record lists every file with the hash of what is on disk.
  ASSERT_EQ(r->files.size(), 4u);
  std::map<std::string, int> roles;
  for (const auto& f : r->files) {
    ++roles[f.role];
    ASSERT_EQ(f.path.rfind("data/", 0), 0u) << f.path;
    EXPECT_EQ(f.sha256, *sha256_file(fx.bag->dir() / f.path)) << f.path;
    EXPECT_EQ(f.size, fs::file_size(fx.bag->dir() / f.path)) << f.path;
  }
  EXPECT_EQ(roles["original"], 2);
  EXPECT_EQ(roles["preview"], 1);
  EXPECT_EQ(roles["sidecar"], 1);
  EXPECT_EQ(r->files[0].camera_name, "DSC_0001.DNG");
  EXPECT_GT(r->histogram.mean, 0.0);

  // The journal line is the frame record.
  const auto lines = fx.journal_lines();
  ASSERT_EQ(lines.size(), 1u);
  const auto j = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(j.at("type"), "frame");
  const FrameRecord back = frame_record_from_json(j);
  EXPECT_EQ(back.name, name);
  EXPECT_EQ(back.request_id, 1003u);
  ASSERT_EQ(back.files.size(), 4u);
  EXPECT_EQ(back.files[0].sha256, r->files[0].sha256);

  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].name, name);

  // And the bag is complete and verifiable.
  ASSERT_TRUE(fx.bag->add_existing("journal.jsonl").ok());
  ASSERT_TRUE(fx.bag->finalize({}).ok());
  auto rep = verify_bag(fx.bag->dir());
  ASSERT_TRUE(rep.ok());
  EXPECT_TRUE(rep->ok()) << ::testing::PrintToString(rep->problems)
                         << ::testing::PrintToString(rep->extra);
}

TEST(Pipeline, RawOnlyFrameHasNoPreview) {
  Fixture fx;
  Pipeline pipe(*fx.bag, *fx.journal, fx.options());
  auto r = pipe.process(make_job(0, /*with_jpeg=*/false));
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->files.size(), 2u);
  EXPECT_EQ(r->files[0].role, "original");
  EXPECT_EQ(r->files[1].role, "sidecar");
  EXPECT_TRUE(list_files(fx.bag->data_dir() / "previews").empty());
}

TEST(Pipeline, PushedFramesAreDurableAfterDrainInOrder) {
  Fixture fx;
  std::vector<uint64_t> seqs;
  Pipeline pipe(*fx.bag, *fx.journal, fx.options(0, 2),
                [&](const FrameRecord& r) { seqs.push_back(r.seq); });
  for (uint64_t i = 0; i < 6; ++i) ASSERT_TRUE(pipe.push(make_job(i, i % 2 == 0)).ok());
  ASSERT_TRUE(pipe.drain().ok());
  EXPECT_EQ(seqs, (std::vector<uint64_t>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(fx.journal_lines().size(), 6u);
}

TEST(Pipeline, PushBlocksWhenQueueIsFull) {
  Fixture fx;
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  std::atomic<int> done{0};
  Pipeline pipe(*fx.bag, *fx.journal, fx.options(0, 2), [&](const FrameRecord&) {
    gate.wait();  // the disk is "slow": the first frame does not finish until released
    ++done;
  });
  ASSERT_TRUE(pipe.push(make_job(0, false)).ok());
  // Wait until the worker has taken frame 0, so the queue holds exactly what we push next.
  for (int i = 0; i < 200 && fx.journal_lines().empty(); ++i) std::this_thread::sleep_for(10ms);
  ASSERT_EQ(fx.journal_lines().size(), 1u);
  ASSERT_TRUE(pipe.push(make_job(1, false)).ok());
  ASSERT_TRUE(pipe.push(make_job(2, false)).ok());  // queue now full (2)

  std::atomic<bool> pushed{false};
  std::thread producer([&] {
    EXPECT_TRUE(pipe.push(make_job(3, false)).ok());
    pushed = true;
  });
  std::this_thread::sleep_for(300ms);
  EXPECT_FALSE(pushed.load()) << "push() returned while the queue was full";
  release.set_value();
  producer.join();
  EXPECT_TRUE(pushed.load());
  ASSERT_TRUE(pipe.drain().ok());
  EXPECT_EQ(done.load(), 4);
}

TEST(Pipeline, NoSpaceStopsThePipelineAndLeavesNothingHalfWritten) {
  Fixture fx;
  int done = 0;
  Pipeline pipe(*fx.bag, *fx.journal, fx.options(/*reserve=*/1ull << 60),
                [&](const FrameRecord&) { ++done; });
  ASSERT_TRUE(pipe.push(make_job(0, true)).ok());
  auto st = pipe.drain();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Errc::no_space);
  EXPECT_NE(st.error().message.find("reserve"), std::string::npos) << st.error().message;
  EXPECT_EQ(done, 0);
  EXPECT_TRUE(fx.journal_lines().empty());
  EXPECT_TRUE(fx.bag->entries().empty());
  EXPECT_TRUE(list_files(fx.bag->data_dir() / "frames").empty());
  // Once stopped, the pipeline refuses more frames with the same error.
  auto again = pipe.push(make_job(1, true));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::no_space);
}

TEST(Pipeline, FailureMidFrameRemovesTheFilesAlreadyWritten) {
  Fixture fx;
  Pipeline pipe(*fx.bag, *fx.journal, fx.options());
  auto job = make_job(7, true);
  // The RAW goes in first; the JPEG's destination is blocked by a directory, so the write
  // of the second original fails after the first one is on disk and in the manifest.
  fs::create_directories(fx.bag->data_dir() / "frames" / (job.record.name + ".jpg"));
  auto r = pipe.process(std::move(job));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("test_00007"), std::string::npos) << r.error().message;
  EXPECT_TRUE(fx.bag->entries().empty());
  EXPECT_EQ(list_files(fx.bag->data_dir() / "frames"), std::vector<std::string>{});
  EXPECT_TRUE(fx.journal_lines().empty());
}

TEST(Pipeline, ErrorFromWorkerReachesPushAndDrain) {
  Fixture fx;
  std::vector<uint64_t> seqs;
  Pipeline pipe(*fx.bag, *fx.journal, fx.options(0, 8),
                [&](const FrameRecord& r) { seqs.push_back(r.seq); });
  auto bad = make_job(1, false);
  bad.capture.files.push_back(bad.capture.files[0]);  // two "dng" files for one frame
  ASSERT_TRUE(pipe.push(make_job(0, false)).ok());
  ASSERT_TRUE(pipe.push(std::move(bad)).ok());
  auto st = pipe.drain();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Errc::invalid);
  EXPECT_EQ(seqs, std::vector<uint64_t>{0});
  EXPECT_FALSE(pipe.push(make_job(2, false)).ok());
  EXPECT_EQ(fx.journal_lines().size(), 1u);
}

}  // namespace
}  // namespace tb::capture
