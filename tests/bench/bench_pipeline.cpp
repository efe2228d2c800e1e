// Per-frame cost of making a 24 MP frame durable through Pipeline::process (atomic fsync'd
// writes with SHA-256, manifest rewrite, XMP sidecar, fsync'd journal line) against the I/O
// floor: the same original bytes written with write + fsync + rename and no hashing, in the
// same run and directory. Ends with "ratio pipeline_vs_io_floor: x.xx".
// The preview is made after the frame is durable, on the pipeline's low-priority preview
// thread: BM_Pipeline runs with it working in the background (competing for the CPU as on
// the box) but does not wait for it; BM_PipelineWithPreviews waits for each frame's preview
// too (process + drain), the cost if nothing overlapped. Directory: $TB_BENCH_DIR (default
// /tmp).
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <stdexcept>

#include "tetherbox/capture/pipeline.hpp"
#include "tetherbox/capture/preview.hpp"

namespace {

namespace fs = std::filesystem;
using namespace tb::capture;

constexpr int kWidth = 6000, kHeight = 4000;                             // 24 MP
constexpr size_t kDngBytes = static_cast<size_t>(kWidth) * kHeight * 2;  // 16-bit samples

fs::path bench_dir() {
  const char* d = std::getenv("TB_BENCH_DIR");
  fs::path base = d && *d ? d : "/tmp";
  std::string tmpl = (base / "tb-bench-pipeline-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr)
    throw std::runtime_error("cannot create a directory under " + base.string());
  return tmpl;
}

// Sensor-like data: noise does not compress, which is what a RAW's payload looks like.
const std::vector<uint8_t>& dng_bytes() {
  static const std::vector<uint8_t> v = [] {
    std::vector<uint8_t> out(kDngBytes);
    std::mt19937_64 rng(42);
    for (size_t i = 0; i + 8 <= out.size(); i += 8) {
      const uint64_t x = rng();
      std::memcpy(&out[i], &x, 8);
    }
    return out;
  }();
  return v;
}

// A real 24 MP camera-like JPEG of about 8 MB (gradient + grain), so the preview path decodes
// what it would decode on the box.
const std::vector<uint8_t>& jpeg_bytes() {
  static const std::vector<uint8_t> v = [] {
    std::vector<uint8_t> rgb(static_cast<size_t>(kWidth) * kHeight * 3);
    std::mt19937 rng(7);
    for (int y = 0; y < kHeight; ++y)
      for (int x = 0; x < kWidth; ++x) {
        uint8_t* p = &rgb[(static_cast<size_t>(y) * kWidth + x) * 3];
        const int grain = static_cast<int>(rng() % 13) - 6;
        p[0] = static_cast<uint8_t>(std::clamp(x * 255 / kWidth + grain, 0, 255));
        p[1] = static_cast<uint8_t>(std::clamp(y * 255 / kHeight + grain, 0, 255));
        p[2] = static_cast<uint8_t>(std::clamp(128 + grain, 0, 255));
      }
    auto pv = make_preview_from_rgb(rgb, kWidth, kHeight, kWidth, 92);
    if (!pv) throw std::runtime_error("cannot encode the test JPEG: " + pv.error().message);
    return pv->jpeg;
  }();
  return v;
}

PipelineJob make_job(uint64_t seq) {
  PipelineJob job;
  job.record.seq = seq;
  job.record.request_id = seq + 1;
  job.record.name = fmt::format("bench_{:05}_key_+0.0_az{:03}", seq, (seq * 10) % 360);
  job.record.position.light = "key";
  job.record.trigger_utc = std::chrono::system_clock::now();
  job.record.gps.reason = "no gps configured";
  job.record.ambient.reason = "unavailable";
  job.capture.request_id = job.record.request_id;
  job.capture.files.push_back({"DSC_0001.DNG", "dng", "image/x-adobe-dng", dng_bytes()});
  job.capture.files.push_back({"DSC_0001.JPG", "jpg", "image/jpeg", jpeg_bytes()});
  return job;
}

// A bag + pipeline whose frames are deleted once their preview is done (the preview thread
// reads the JPEG original back), so a long run does not write gigabytes.
class PipelineRig {
 public:
  explicit PipelineRig(benchmark::State& state) : dir_(bench_dir()) {
    auto bag = Bag::create(dir_, "session");
    if (!bag) {
      state.SkipWithError(bag.error().message.c_str());
      return;
    }
    bag_ = std::move(*bag);
    auto journal = Journal::open(bag_->data_dir() / "journal.jsonl");
    if (!journal) {
      state.SkipWithError(journal.error().message.c_str());
      return;
    }
    journal_ = std::move(*journal);
    PipelineOptions opts;
    opts.sidecar.session = "bench";
    opts.sidecar.camera_model = "Bench Camera";
    pipe_ =
        std::make_unique<Pipeline>(*bag_, *journal_, opts, DoneFn{}, [this](const PreviewDone& p) {
          std::lock_guard lock(mu_);
          if (!p.fault.empty()) preview_fault_ = p.fault;
          previewed_.push_back(p.name);
          ++previews_done_;
        });
  }
  ~PipelineRig() {
    pipe_.reset();  // drains the previews
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  bool ok() const { return pipe_ != nullptr; }
  Pipeline& pipe() { return *pipe_; }
  // Deletes the frames whose preview is done; call outside the timed region.
  void remove_previewed() {
    std::vector<std::string> names;
    {
      std::lock_guard lock(mu_);
      names.swap(previewed_);
    }
    for (const auto& n : names)
      for (const char* rel : {"frames/{}.dng", "frames/{}.jpg", "frames/{}.xmp", "previews/{}.jpg"})
        (void)bag_->remove(fmt::format(fmt::runtime(rel), n));
  }
  uint64_t previews_done() {
    std::lock_guard lock(mu_);
    return previews_done_;
  }
  std::string preview_fault() {
    std::lock_guard lock(mu_);
    return preview_fault_;
  }

 private:
  using DoneFn = Pipeline::DoneFn;
  fs::path dir_;
  std::unique_ptr<Bag> bag_;
  std::unique_ptr<Journal> journal_;
  std::unique_ptr<Pipeline> pipe_;
  std::mutex mu_;
  std::vector<std::string> previewed_;
  std::string preview_fault_;
  uint64_t previews_done_ = 0;
};

// with_previews: also wait for the frame's preview (drain) inside the timed region.
void run_pipeline(benchmark::State& state, bool with_previews) {
  PipelineRig rig(state);
  if (!rig.ok()) return;
  uint64_t seq = 0;
  for (auto _ : state) {
    state.PauseTiming();
    rig.remove_previewed();
    PipelineJob job = make_job(seq++);  // copying 56 MB of input is not the pipeline's cost
    state.ResumeTiming();
    auto r = rig.pipe().process(std::move(job));
    if (r && with_previews) {
      if (auto st = rig.pipe().drain(); !st) r = st.error();
    }
    if (!r) {
      state.SkipWithError(r.error().message.c_str());
      break;
    }
  }
  // Previews still queued when the timed loop ended: a growing number would mean the preview
  // thread does not keep up with the frames.
  state.counters["preview_backlog"] = static_cast<double>(seq - rig.previews_done());
  // A preview that fails would make the pair look cheaper than it is.
  if (auto st = rig.pipe().drain(); !st) state.SkipWithError(st.error().message.c_str());
  if (auto f = rig.preview_fault(); !f.empty()) state.SkipWithError(f.c_str());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(kDngBytes + jpeg_bytes().size()));
}

void BM_Pipeline(benchmark::State& state) {
  run_pipeline(state, false);
}
void BM_PipelineWithPreviews(benchmark::State& state) {
  run_pipeline(state, true);
}

// The floor: what any durable store of these bytes must pay (write, fsync, rename, and one
// directory fsync for the renames), with no hashing, preview, sidecar or journal.
void write_fsync_rename(const fs::path& path, const std::vector<uint8_t>& data) {
  const fs::path tmp = path.parent_path() / fmt::format(".{}.tmp", path.filename().string());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("open " + tmp.string());
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t w =
        ::write(fd, data.data() + done, std::min<size_t>(data.size() - done, 4u << 20));
    if (w <= 0) throw std::runtime_error("write " + tmp.string());
    done += static_cast<size_t>(w);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) throw std::runtime_error("fsync " + tmp.string());
  if (::rename(tmp.c_str(), path.c_str()) != 0) throw std::runtime_error("rename " + path.string());
}

void BM_IoFloor(benchmark::State& state) {
  const fs::path dir = bench_dir();
  const auto& dng = dng_bytes();
  const auto& jpg = jpeg_bytes();
  uint64_t seq = 0;
  for (auto _ : state) {
    const std::string base = fmt::format("floor_{:05}", seq++);
    try {
      write_fsync_rename(dir / (base + ".dng"), dng);
      write_fsync_rename(dir / (base + ".jpg"), jpg);
      if (auto st = fsync_dir(dir); !st) throw std::runtime_error(st.error().message);
    } catch (const std::exception& e) {
      state.SkipWithError(e.what());
      break;
    }
    state.PauseTiming();
    fs::remove(dir / (base + ".dng"));
    fs::remove(dir / (base + ".jpg"));
    state.ResumeTiming();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(dng.size() + jpg.size()));
  std::error_code ec;
  fs::remove_all(dir, ec);
}

// Components, for reading the ratio: CPU-only costs inside the pipeline.
void BM_Component_Sha256(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(sha256_hex(dng_bytes()));
    benchmark::DoNotOptimize(sha256_hex(jpeg_bytes()));
  }
}

void BM_Component_Preview(benchmark::State& state) {
  for (auto _ : state) {
    auto pv = make_preview_from_jpeg(jpeg_bytes(), 1024, 85);
    if (!pv) return state.SkipWithError(pv.error().message.c_str());
    benchmark::DoNotOptimize(pv->jpeg.data());
  }
}

// Breakdown of a frame's durable cost (issue 9 item 1), step by step, each on its own:
// rendering the XMP sidecar (exiv2), the manifest as it was before the append-only protocol
// (the whole file rewritten and fsync'd per frame, here at 10 000 frames = 40 000 lines) and as
// it is now (the frame's lines appended + fdatasync), the journal line (append + fdatasync).
void BM_Step_Sidecar(benchmark::State& state) {
  FrameRecord rec = make_job(1).record;
  rec.files.push_back(
      {"original", "data/frames/x.dng", "DSC_0001.DNG", kDngBytes, std::string(64, 'a')});
  SidecarContext ctx;
  ctx.session = "bench";
  ctx.camera_model = "Bench Camera";
  ctx.original_file = "x.dng";
  for (auto _ : state) {
    auto x = render_sidecar(rec, ctx);
    if (!x) return state.SkipWithError(x.error().message.c_str());
    benchmark::DoNotOptimize(x->packet.data());
  }
}

std::string fake_manifest(size_t lines) {
  std::string text;
  text.reserve(lines * 120);
  for (size_t i = 0; i < lines; ++i)
    text += fmt::format("{:064x}  data/frames/bench_{:05}_key_+0.0_az{:03}.{}\n", i, i / 4,
                        (i / 4 * 10) % 360, "dng");
  return text;
}

void BM_Step_ManifestRewrite40k(benchmark::State& state) {
  const fs::path dir = bench_dir();
  const std::string text = fake_manifest(40000);
  for (auto _ : state) {
    auto w = write_file_atomic(dir / "manifest-sha256.txt", text);
    if (!w) return state.SkipWithError(w.error().message.c_str());
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
}

void BM_Step_ManifestAppend(benchmark::State& state) {
  const fs::path dir = bench_dir();
  const std::string lines = fake_manifest(3);
  const int fd = ::open((dir / "manifest-sha256.txt").c_str(),
                        O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  for (auto _ : state) {
    if (::write(fd, lines.data(), lines.size()) != static_cast<ssize_t>(lines.size()) ||
        ::fdatasync(fd) != 0)
      return state.SkipWithError("append failed");
  }
  ::close(fd);
  std::error_code ec;
  fs::remove_all(dir, ec);
}

void BM_Step_JournalLine(benchmark::State& state) {
  const fs::path dir = bench_dir();
  auto j = Journal::open(dir / "journal.jsonl");
  if (!j) return state.SkipWithError(j.error().message.c_str());
  const std::string line(1500, 'x');  // a frame line is ~1.5 KB
  for (auto _ : state)
    if (auto st = (*j)->append(line); !st) return state.SkipWithError(st.error().message.c_str());
  std::error_code ec;
  fs::remove_all(dir, ec);
}

// frame_cost_10000_vs_10: the cost of one frame in a bag that already holds N frames (manifest
// lines, journal lines, files in frames/), against the same frame at N = 10. The earlier frames
// are laid down cheaply (unsynced empty files, a manifest and journal of the right size, then
// Bag::open_existing as a resume would), so the bench stays within minutes; the timed frames
// are real (fsync'd) and deleted outside the timed region. Previews are off: they are made after
// the frame is durable and are measured by BM_PipelineWithPreviews.
// Arg 0: earlier frames; arg 1: 1 = 24 MP DNG + 8 MB JPEG, 0 = a 3 MB JPEG alone.
const std::vector<uint8_t>& jpeg3mb_bytes() {
  static const std::vector<uint8_t> v = [] {
    std::vector<uint8_t> out(3u << 20);
    std::mt19937_64 rng(3);
    for (size_t i = 0; i + 8 <= out.size(); i += 8) {
      const uint64_t x = rng();
      std::memcpy(&out[i], &x, 8);
    }
    return out;
  }();
  return v;
}

void BM_FrameCost(benchmark::State& state) {
  const size_t earlier = static_cast<size_t>(state.range(0));
  const bool raw = state.range(1) != 0;
  const fs::path root = bench_dir();
  fs::path bag_dir;
  {
    auto bag = Bag::create(root, "session");
    if (!bag) return state.SkipWithError(bag.error().message.c_str());
    bag_dir = (*bag)->dir();
  }
  {
    std::string manifest, journal;
    manifest.reserve(earlier * 3 * 130);
    const std::string frame_line = R"({"type":"frame","seq":0,"name":"x","files":[],"pad":")" +
                                   std::string(1300, 'p') + "\"}\n";
    for (size_t i = 0; i < earlier; ++i) {
      const std::string name = fmt::format("early_{:06}", i);
      for (const char* ext : {raw ? "dng" : "xmp", "jpg", raw ? "xmp" : nullptr}) {
        if (!ext) continue;
        const std::string rel = fmt::format("data/frames/{}.{}", name, ext);
        manifest += fmt::format("{:064x}  {}\n", i, rel);
        const int fd = ::open((bag_dir / rel).c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd >= 0) ::close(fd);
      }
      manifest += fmt::format("{:064x}  data/previews/{}.jpg\n", i, name);
      journal += frame_line;
    }
    std::ofstream(bag_dir / "manifest-sha256.txt", std::ios::binary) << manifest;
    std::ofstream(bag_dir / "data" / "journal.jsonl", std::ios::binary) << journal;
    ::sync();
  }
  auto bag = Bag::open_existing(bag_dir);
  if (!bag) return state.SkipWithError(bag.error().message.c_str());
  auto journal = Journal::open((*bag)->data_dir() / "journal.jsonl");
  if (!journal) return state.SkipWithError(journal.error().message.c_str());
  PipelineOptions opts;
  opts.previews.enabled = false;
  opts.sidecar.session = "bench";
  opts.sidecar.camera_model = "Bench Camera";
  {
    Pipeline pipe(**bag, **journal, opts);
    uint64_t seq = earlier;
    for (auto _ : state) {
      state.PauseTiming();
      PipelineJob job = make_job(seq++);
      if (!raw) {
        job.capture.files.clear();
        job.capture.files.push_back({"DSC_0001.JPG", "jpg", "image/jpeg", jpeg3mb_bytes()});
      }
      state.ResumeTiming();
      auto r = pipe.process(std::move(job));
      if (!r) {
        state.SkipWithError(r.error().message.c_str());
        break;
      }
      state.PauseTiming();
      for (const auto& f : r->files)  // not through the bag: a removal rewrites its manifest
        ::unlink(((*bag)->dir() / f.path).c_str());
      state.ResumeTiming();
    }
  }
  journal->reset();
  bag->reset();
  std::error_code ec;
  fs::remove_all(root, ec);
}

BENCHMARK(BM_Step_Sidecar)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Step_ManifestRewrite40k)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Step_ManifestAppend)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Step_JournalLine)->Unit(benchmark::kMillisecond)->UseRealTime();
// Frame counts are scaled so the whole bench stays within a few minutes (printed in the name).
BENCHMARK(BM_FrameCost)
    ->Args({10, 0})
    ->Args({10000, 0})
    ->Args({10, 1})
    ->Args({10000, 1})
    ->ArgNames({"earlier", "raw"})
    ->Iterations(30)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_Component_Sha256)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Component_Preview)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_IoFloor)->Unit(benchmark::kMillisecond)->UseRealTime();
// BM_Pipeline before BM_PipelineWithPreviews: scripts/bench takes the first name with
// "pipeline" in it.
BENCHMARK(BM_Pipeline)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_PipelineWithPreviews)->Unit(benchmark::kMillisecond)->UseRealTime();

// Console output as usual, plus the real time per iteration of each benchmark for the ratio.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& r : runs)
      if (r.run_type == Run::RT_Iteration && !r.error_occurred)
        ms_[r.benchmark_name()] = r.GetAdjustedRealTime();
    ConsoleReporter::ReportRuns(runs);
  }
  std::map<std::string, double> ms_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  // Build the inputs before timing starts (encoding a 24 MP JPEG takes a while).
  std::fprintf(stderr, "inputs: DNG-sized buffer %zu bytes, JPEG %zu bytes\n", dng_bytes().size(),
               jpeg_bytes().size());
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  double pipe = 0, floor = 0, with_previews = 0;
  for (const auto& [name, ms] : reporter.ms_) {
    if (name.rfind("BM_Pipeline/", 0) == 0 || name == "BM_Pipeline") pipe = ms;
    if (name.rfind("BM_PipelineWithPreviews", 0) == 0) with_previews = ms;
    if (name.find("IoFloor") != std::string::npos) floor = ms;
  }
  // frame_cost_10000_vs_10 per kind (JPEG-only 3 MB; 24 MP RAW+JPEG).
  for (const char* kind : {"raw:0", "raw:1"}) {
    double at10 = 0, at10000 = 0;
    for (const auto& [name, ms] : reporter.ms_) {
      if (name.rfind("BM_FrameCost/earlier:10/" + std::string(kind), 0) == 0) at10 = ms;
      if (name.rfind("BM_FrameCost/earlier:10000/" + std::string(kind), 0) == 0) at10000 = ms;
    }
    const char* what = std::string(kind) == "raw:1" ? "24 MP DNG + JPEG" : "3 MB JPEG";
    if (at10 > 0 && at10000 > 0)
      std::printf(
          "frame cost (%s): %.1f ms at frame 10, %.1f ms at frame 10000\n"
          "ratio frame_cost_10000_vs_10 (%s): %.2f\n",
          what, at10, at10000, what, at10000 / at10);
  }
  if (pipe > 0 && floor > 0) {
    std::printf("per frame: pipeline %.1f ms, I/O floor %.1f ms\n", pipe, floor);
    if (with_previews > 0)
      std::printf("per frame, waiting for the preview too: %.1f ms (ratio %.2f)\n", with_previews,
                  with_previews / floor);
    std::printf("ratio pipeline_vs_io_floor: %.2f\n", pipe / floor);
  } else {
    std::printf("ratio pipeline_vs_io_floor: unavailable (a benchmark failed or was filtered)\n");
    return 1;
  }
  return 0;
}
