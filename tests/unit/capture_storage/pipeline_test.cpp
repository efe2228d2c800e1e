// The frame pipeline with the real preview, sidecar and record code: what lands on disk,
// back-pressure of the bounded queue, how an error stops it without a half frame, and the
// deferred preview (after the frame is durable, never holding up push()).
#include "tetherbox/capture/pipeline.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
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

TEST(Pipeline, ProcessStoresOriginalsSidecarAndJournalThenThePreview) {
  Fixture fx;
  std::vector<FrameRecord> done;
  std::vector<PreviewDone> previews;
  Pipeline pipe(
      *fx.bag, *fx.journal, fx.options(), [&](const FrameRecord& r) { done.push_back(r); },
      [&](const PreviewDone& p) { previews.push_back(p); });
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
  const std::string xmp = read_all(data / "frames" / (name + ".xmp"));
  EXPECT_NE(xmp.find("x:xmpmeta"), std::string::npos);
  // Not measured yet: the sidecar does not pretend the frame is black.
  EXPECT_EQ(xmp.find("ClippedHigh"), std::string::npos);

  // The durable record lists the originals and the sidecar with the hash of what is on disk;
  // the preview is not part of it.
  ASSERT_EQ(r->files.size(), 3u);
  std::map<std::string, int> roles;
  for (const auto& f : r->files) {
    ++roles[f.role];
    ASSERT_EQ(f.path.rfind("data/", 0), 0u) << f.path;
    EXPECT_EQ(f.sha256, *sha256_file(fx.bag->dir() / f.path)) << f.path;
    EXPECT_EQ(f.size, fs::file_size(fx.bag->dir() / f.path)) << f.path;
  }
  EXPECT_EQ(roles["original"], 2);
  EXPECT_EQ(roles["preview"], 0);
  EXPECT_EQ(roles["sidecar"], 1);
  EXPECT_EQ(r->files[0].camera_name, "DSC_0001.DNG");
  EXPECT_FALSE(r->histogram.measured);

  ASSERT_TRUE(pipe.drain().ok());

  // The journal: the frame record first, then its preview.
  const auto lines = fx.journal_lines();
  ASSERT_EQ(lines.size(), 2u);
  const auto j = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(j.at("type"), "frame");
  EXPECT_EQ(j.at("histogram").at("measured"), false);
  const FrameRecord back = frame_record_from_json(j);
  EXPECT_EQ(back.name, name);
  EXPECT_EQ(back.request_id, 1003u);
  ASSERT_EQ(back.files.size(), 3u);
  EXPECT_EQ(back.files[0].sha256, r->files[0].sha256);
  EXPECT_FALSE(back.histogram.measured);

  const auto p = nlohmann::json::parse(lines[1]);
  EXPECT_EQ(p.at("type"), "preview");
  EXPECT_EQ(p.at("seq"), 3u);
  EXPECT_EQ(p.at("request_id"), 1003u);
  EXPECT_EQ(p.at("name"), name);
  EXPECT_FALSE(p.contains("fault"));
  const auto& pf = p.at("file");
  EXPECT_EQ(pf.at("role"), "preview");
  EXPECT_EQ(pf.at("path"), "data/previews/" + name + ".jpg");
  // Preview is a JPEG, smaller than the original, listed with the hash of what is on disk.
  const std::string pv = read_all(data / "previews" / (name + ".jpg"));
  ASSERT_GE(pv.size(), 3u);
  EXPECT_EQ(static_cast<uint8_t>(pv[0]), 0xFF);
  EXPECT_EQ(static_cast<uint8_t>(pv[1]), 0xD8);
  EXPECT_LT(pv.size(), jpg.size());
  EXPECT_EQ(pf.at("size").get<uint64_t>(), pv.size());
  EXPECT_EQ(pf.at("sha256"), *sha256_file(data / "previews" / (name + ".jpg")));
  EXPECT_TRUE(fx.bag->has("previews/" + name + ".jpg"));
  // The gradient (red 0..255 across, green 0..255 down, blue 128): mid-grey on average, no
  // clipping to speak of.
  const auto& h = p.at("histogram");
  EXPECT_EQ(h.at("measured"), true);
  EXPECT_GT(h.at("mean").get<double>(), 0.3);
  EXPECT_LT(h.at("mean").get<double>(), 0.7);
  EXPECT_LT(h.at("clipped_high").get<double>(), 0.1);
  EXPECT_LT(h.at("clipped_low").get<double>(), 0.1);

  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].name, name);
  ASSERT_EQ(previews.size(), 1u);
  EXPECT_EQ(previews[0].name, name);
  EXPECT_EQ(previews[0].seq, 3u);
  EXPECT_EQ(previews[0].request_id, 1003u);
  ASSERT_TRUE(previews[0].file.has_value());
  EXPECT_EQ(previews[0].file->sha256, pf.at("sha256").get<std::string>());
  EXPECT_TRUE(previews[0].histogram.measured);
  EXPECT_DOUBLE_EQ(previews[0].histogram.mean, h.at("mean").get<double>());
  EXPECT_TRUE(previews[0].fault.empty());

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
  ASSERT_TRUE(pipe.drain().ok());
  EXPECT_TRUE(list_files(fx.bag->data_dir() / "previews").empty());
  EXPECT_EQ(fx.journal_lines().size(), 1u);  // no preview line either
}

TEST(Pipeline, PushedFramesAreDurableAfterDrainInOrder) {
  Fixture fx;
  std::vector<uint64_t> seqs;
  Pipeline pipe(*fx.bag, *fx.journal, fx.options(0, 2),
                [&](const FrameRecord& r) { seqs.push_back(r.seq); });
  for (uint64_t i = 0; i < 6; ++i) ASSERT_TRUE(pipe.push(make_job(i, i % 2 == 0)).ok());
  ASSERT_TRUE(pipe.drain().ok());
  EXPECT_EQ(seqs, (std::vector<uint64_t>{0, 1, 2, 3, 4, 5}));
  // Six frame lines in order, and a preview line for each of the three JPEG frames.
  std::vector<uint64_t> frame_seqs, preview_seqs;
  for (const auto& l : fx.journal_lines()) {
    const auto j = nlohmann::json::parse(l);
    if (j.at("type") == "backpressure") continue;  // the queue of 2 filled up: said, not a frame
    (j.at("type") == "frame" ? frame_seqs : preview_seqs).push_back(j.at("seq").get<uint64_t>());
  }
  EXPECT_EQ(frame_seqs, (std::vector<uint64_t>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(preview_seqs, (std::vector<uint64_t>{0, 2, 4}));
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

// Events seen by the callbacks, in the order they happened (callbacks run on two threads).
struct EventLog {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> events;  // "durable <seq>" / "preview <seq>"
  void add(std::string e) {
    {
      std::lock_guard lock(mu);
      events.push_back(std::move(e));
    }
    cv.notify_all();
  }
  size_t count(const std::string& prefix) {
    std::lock_guard lock(mu);
    return static_cast<size_t>(std::count_if(
        events.begin(), events.end(), [&](const auto& e) { return e.rfind(prefix, 0) == 0; }));
  }
};

TEST(Pipeline, PushDoesNotWaitOnThePreviewBacklog) {
  Fixture fx;
  EventLog log;
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  constexpr uint64_t kFrames = 6;
  PipelineOptions opts = fx.options(0, /*max_queue=*/1);
  opts.on_preview_decoded = [&](uint64_t seq, const Preview&) {
    log.add(fmt::format("preview {}", seq));
    gate.wait();  // previews are "slow": none after the first finishes until released
  };
  Pipeline pipe(*fx.bag, *fx.journal, opts,
                [&](const FrameRecord& r) { log.add(fmt::format("durable {}", r.seq)); });
  // If push() waited on previews it would never get past the second frame: run it aside so
  // a regression fails instead of hanging.
  auto producer = std::async(std::launch::async, [&] {
    for (uint64_t i = 0; i < kFrames; ++i)
      if (!pipe.push(make_job(i, true)).ok()) return false;
    return true;
  });
  bool all_durable = false;
  {
    std::unique_lock lock(log.mu);
    all_durable = log.cv.wait_for(lock, 60s, [&] {
      return std::count_if(log.events.begin(), log.events.end(), [](const auto& e) {
               return e.rfind("durable", 0) == 0;
             }) == static_cast<long>(kFrames);
    });
  }
  const size_t previews_while_held = log.count("preview");
  release.set_value();
  ASSERT_TRUE(all_durable) << "frames stopped becoming durable behind the preview backlog";
  ASSERT_TRUE(producer.get());
  // Every frame became durable while the preview thread was stuck on its first preview.
  EXPECT_LE(previews_while_held, 1u);
  ASSERT_TRUE(pipe.drain().ok());
  EXPECT_EQ(log.count("preview"), kFrames);
  // Observable order: all frames durable before the second preview finished.
  std::vector<std::string> order;
  {
    std::lock_guard lock(log.mu);
    order = log.events;
  }
  size_t durable_seen = 0, previews_seen = 0;
  for (const auto& e : order) {
    if (e.rfind("durable", 0) == 0) ++durable_seen;
    if (e.rfind("preview", 0) == 0 && ++previews_seen == 2) {
      EXPECT_EQ(durable_seen, kFrames) << ::testing::PrintToString(order);
    }
  }
  // And the journal has them all: frames in order, previews in order.
  std::vector<uint64_t> frame_seqs, preview_seqs;
  for (const auto& l : fx.journal_lines()) {
    const auto j = nlohmann::json::parse(l);
    if (j.at("type") == "backpressure") continue;  // the queue of 2 filled up: said, not a frame
    (j.at("type") == "frame" ? frame_seqs : preview_seqs).push_back(j.at("seq").get<uint64_t>());
  }
  EXPECT_EQ(frame_seqs, (std::vector<uint64_t>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(preview_seqs, (std::vector<uint64_t>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(list_files(fx.bag->data_dir() / "previews").size(), kFrames);
}

TEST(Pipeline, CorruptJpegSkipsThePreviewAndTheFrameStaysDurable) {
  Fixture fx;
  std::vector<PreviewDone> previews;
  Pipeline pipe(*fx.bag, *fx.journal, fx.options(), {},
                [&](const PreviewDone& p) { previews.push_back(p); });
  auto job = make_job(4, true);
  job.capture.files[1].data = pattern_bytes(50000, 99);  // "JPEG" that is not one
  const auto bad = job.capture.files[1].data;
  auto r = pipe.process(std::move(job));
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_TRUE(pipe.drain().ok());

  // The frame: both originals byte-for-byte, listed with their hashes.
  ASSERT_EQ(r->files.size(), 3u);
  const std::string name = r->name;
  EXPECT_TRUE(read_all(fx.bag->data_dir() / "frames" / (name + ".jpg")) ==
              std::string(bad.begin(), bad.end()));
  EXPECT_TRUE(fx.bag->has("frames/" + name + ".jpg"));
  EXPECT_TRUE(fx.bag->has("frames/" + name + ".dng"));
  EXPECT_TRUE(list_files(fx.bag->data_dir() / "previews").empty());

  const auto lines = fx.journal_lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(nlohmann::json::parse(lines[0]).at("type"), "frame");
  const auto p = nlohmann::json::parse(lines[1]);
  EXPECT_EQ(p.at("type"), "preview");
  EXPECT_EQ(p.at("seq"), 4u);
  EXPECT_EQ(p.at("request_id"), 1004u);
  EXPECT_EQ(p.at("name"), name);
  EXPECT_TRUE(p.at("file").is_null());
  const std::string fault = p.at("fault").get<std::string>();
  EXPECT_EQ(fault.rfind("preview skipped: ", 0), 0u) << fault;
  EXPECT_NE(fault.find(name + ".jpg"), std::string::npos) << fault;  // says which file

  ASSERT_EQ(previews.size(), 1u);
  EXPECT_FALSE(previews[0].file.has_value());
  EXPECT_FALSE(previews[0].histogram.measured);
  EXPECT_EQ(previews[0].fault, fault);

  // Later frames are not affected.
  ASSERT_TRUE(pipe.push(make_job(5, true)).ok());
  ASSERT_TRUE(pipe.drain().ok());
  ASSERT_EQ(previews.size(), 2u);
  EXPECT_TRUE(previews[1].file.has_value());
}

// Resume after a crash: the frame is durable, its preview was lost.
TEST(Pipeline, QueuePreviewMakesTheLostPreviewOfADurableFrame) {
  Fixture fx;
  std::string name;
  {
    auto opts = fx.options();
    opts.previews.enabled = false;  // as if the box died before the preview
    Pipeline pipe(*fx.bag, *fx.journal, opts);
    auto r = pipe.process(make_job(2, true));
    ASSERT_TRUE(r.ok()) << r.error().message;
    name = r->name;
    // Disabled: queue_preview is ignored too.
    pipe.queue_preview(2, 1002, name, "data/frames/" + name + ".jpg");
    ASSERT_TRUE(pipe.drain().ok());
  }
  ASSERT_EQ(fx.journal_lines().size(), 1u);
  EXPECT_TRUE(list_files(fx.bag->data_dir() / "previews").empty());

  std::vector<PreviewDone> previews;
  Pipeline pipe(*fx.bag, *fx.journal, fx.options(), {},
                [&](const PreviewDone& p) { previews.push_back(p); });
  pipe.queue_preview(2, 1002, name, "data/frames/" + name + ".jpg");
  ASSERT_TRUE(pipe.drain().ok());
  ASSERT_EQ(previews.size(), 1u);
  ASSERT_TRUE(previews[0].file.has_value()) << previews[0].fault;
  EXPECT_EQ(previews[0].seq, 2u);
  EXPECT_EQ(previews[0].request_id, 1002u);
  EXPECT_EQ(previews[0].file->path, "data/previews/" + name + ".jpg");
  EXPECT_EQ(previews[0].file->sha256,
            *sha256_file(fx.bag->data_dir() / "previews" / (name + ".jpg")));
  EXPECT_TRUE(previews[0].histogram.measured);
  const auto lines = fx.journal_lines();
  ASSERT_EQ(lines.size(), 2u);
  const auto p = nlohmann::json::parse(lines[1]);
  EXPECT_EQ(p.at("type"), "preview");
  EXPECT_EQ(p.at("file").at("sha256"), previews[0].file->sha256);

  // The bag is complete and verifiable with the late preview in its manifest.
  ASSERT_TRUE(fx.bag->add_existing("journal.jsonl").ok());
  ASSERT_TRUE(fx.bag->finalize({}).ok());
  auto rep = verify_bag(fx.bag->dir());
  ASSERT_TRUE(rep.ok());
  EXPECT_TRUE(rep->ok()) << ::testing::PrintToString(rep->extra);
}

TEST(Pipeline, NoSpaceSkipsThePreviewWithoutAnError) {
  Fixture fx;
  std::string name;
  {
    auto opts = fx.options();
    opts.previews.enabled = false;
    Pipeline pipe(*fx.bag, *fx.journal, opts);
    auto r = pipe.process(make_job(1, true));
    ASSERT_TRUE(r.ok()) << r.error().message;
    name = r->name;
  }
  std::vector<PreviewDone> previews;
  Pipeline pipe(*fx.bag, *fx.journal, fx.options(/*reserve=*/1ull << 60), {},
                [&](const PreviewDone& p) { previews.push_back(p); });
  pipe.queue_preview(1, 1001, name, "data/frames/" + name + ".jpg");
  EXPECT_TRUE(pipe.drain().ok());  // a preview never stops capture
  ASSERT_EQ(previews.size(), 1u);
  EXPECT_FALSE(previews[0].file.has_value());
  EXPECT_NE(previews[0].fault.find("reserve"), std::string::npos) << previews[0].fault;
  EXPECT_TRUE(list_files(fx.bag->data_dir() / "previews").empty());
  const auto lines = fx.journal_lines();
  ASSERT_EQ(lines.size(), 2u);
  const auto p = nlohmann::json::parse(lines[1]);
  EXPECT_TRUE(p.at("file").is_null());
  EXPECT_EQ(p.at("fault"), previews[0].fault);
}

TEST(Pipeline, DestructorFinishesQueuedPreviews) {
  Fixture fx;
  {
    Pipeline pipe(*fx.bag, *fx.journal, fx.options(0, 8));
    for (uint64_t i = 0; i < 4; ++i) ASSERT_TRUE(pipe.push(make_job(i, true)).ok());
  }  // no drain(): the destructor must finish frames and then previews
  size_t frames = 0, previews = 0;
  for (const auto& l : fx.journal_lines()) {
    const auto j = nlohmann::json::parse(l);
    if (j.at("type") == "frame") ++frames;
    if (j.at("type") == "preview" && !j.at("file").is_null()) ++previews;
  }
  EXPECT_EQ(frames, 4u);
  EXPECT_EQ(previews, 4u);
  EXPECT_EQ(list_files(fx.bag->data_dir() / "previews").size(), 4u);
}

}  // namespace
}  // namespace tb::capture

namespace tb::capture {
namespace {

// Issue 8 item 1 through the pipeline: a second frame rendering the first one's name fails
// with an error naming the file; the first frame's files, manifest and journal line stay.
TEST(Pipeline, SecondFrameWithTheSameNameFailsAndTheFirstIsKept) {
  Fixture fx;
  Pipeline pipe(*fx.bag, *fx.journal, fx.options());
  auto first = make_job(4, false);
  const auto raw = first.capture.files[0].data;
  ASSERT_TRUE(pipe.process(std::move(first)).ok());
  const std::string manifest = read_all(fx.bag->dir() / "manifest-sha256.txt");
  auto second = make_job(5, false);
  second.record.name = fmt::format("test_{:05}_key_+0.0_az{:03}", 4, 40);  // the same text
  auto r = pipe.process(std::move(second));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("refusing to replace data/frames/test_00004_key_+0.0_az040"),
            std::string::npos)
      << r.error().message;
  EXPECT_EQ(read_all(fx.bag->data_dir() / "frames/test_00004_key_+0.0_az040.dng"),
            std::string(raw.begin(), raw.end()));
  EXPECT_EQ(read_all(fx.bag->dir() / "manifest-sha256.txt"), manifest);
  EXPECT_EQ(fx.journal_lines().size(), 1u);
}

}  // namespace
}  // namespace tb::capture
