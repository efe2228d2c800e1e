// The frame pipeline: originals (byte-for-byte), sidecar, then the journal line. A frame is
// durable when its journal line is fsync'd; until then it is not a frame, and on a failure
// everything written for it is removed so no half frame remains.
//
// The preview (+ histogram) is not on that path: decoding a 12 MB JPEG costs ~60-130 ms of
// CPU, and making the frame wait for it made the camera wait too. Once the frame line is
// journaled, an idle-priority thread reads the JPEG original back (page cache) and makes the
// preview; the pipeline thread then commits it to the bag and journals a "preview" line
// (between frames, a batch at a time). The idle thread never takes the bag's or the
// journal's lock: on a saturated Pi it may not run for seconds, and the camera's durable path
// must never wait behind it. A preview never stops capture: a failure becomes a "preview
// skipped" line.
#include "tetherbox/capture/pipeline.hpp"

#include <sched.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstring>
#include <deque>
#include <fstream>
#include <functional>
#include <future>
#include <set>
#include <vector>

#include "tetherbox/capture/preview.hpp"
#include "tetherbox/capture/sidecar.hpp"
#include "tetherbox/common/time_utc.hpp"

namespace tb::capture {

namespace {

bool is_jpeg_ext(const std::string& ext) {
  return ext == "jpg" || ext == "jpeg";
}

std::span<const uint8_t> as_bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

Result<std::vector<uint8_t>> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(Errc::io, "cannot open {}", path.string());
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) return make_error(Errc::io, "cannot stat {}: {}", path.string(), ec.message());
  std::vector<uint8_t> out(size);
  in.read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(size));
  if (static_cast<uint64_t>(in.gcount()) != size)
    return make_error(Errc::io, "short read of {} ({} of {} bytes)", path.string(), in.gcount(),
                      size);
  return out;
}

// Previews yield to capture and to the durable path: on 2 cores a decode must not delay the
// next frame. SCHED_IDLE runs the thread only on otherwise idle CPU (nice 10 still took ~10 %
// from the capture thread); the backlog holds paths, not bytes, and drains at session end.
void lower_this_thread_priority() {
#ifdef __linux__
  sched_param none{};
  if (::sched_setscheduler(::gettid(), SCHED_IDLE, &none) != 0 &&
      ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 19) != 0)
    spdlog::warn("preview thread: cannot lower its priority: {}", std::strerror(errno));
#endif
}

// Once the session waits for its previews nothing else competes for the camera: back to a
// normal share, so a busy neighbour (a compiler, another job) cannot starve the end of a run.
// Leaving SCHED_IDLE needs CAP_SYS_NICE or RLIMIT_NICE; without them previews stay idle-only.
void restore_this_thread_priority() {
#ifdef __linux__
  sched_param none{};
  if (::sched_setscheduler(::gettid(), SCHED_OTHER, &none) != 0)
    spdlog::debug("preview thread: stays at idle priority ({})", std::strerror(errno));
#endif
}

}  // namespace

// A frame's CPU work (SHA-256 of each original) runs here while the pipeline thread writes
// the bytes and the disk writes them back: fsync leaves the CPU idle, and a 24 MP frame's
// hashing costs about as much as its I/O. Persistent threads, not a thread per frame.
class WorkerPool {
 public:
  explicit WorkerPool(int n) {
    for (int i = 0; i < n; ++i) threads_.emplace_back([this] { run(); });
  }
  ~WorkerPool() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }
  template <class F>
  auto submit(F fn) -> std::future<decltype(fn())> {
    auto task = std::make_shared<std::packaged_task<decltype(fn())()>>(std::move(fn));
    auto fut = task->get_future();
    {
      std::lock_guard lock(mu_);
      tasks_.emplace_back([task] { (*task)(); });
    }
    cv_.notify_one();
    return fut;
  }

 private:
  void run() {
    std::unique_lock lock(mu_);
    for (;;) {
      cv_.wait(lock, [&] { return stopping_ || !tasks_.empty(); });
      if (tasks_.empty()) return;
      auto task = std::move(tasks_.front());
      tasks_.pop_front();
      lock.unlock();
      task();  // packaged_task: an exception is stored in the future, not thrown here
      lock.lock();
    }
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

Pipeline::Pipeline(Bag& bag, Journal& journal, PipelineOptions opts, DoneFn on_done,
                   PreviewFn on_preview)
    : bag_(bag),
      journal_(journal),
      opts_(std::move(opts)),
      on_done_(std::move(on_done)),
      on_preview_(std::move(on_preview)),
      pool_(std::make_unique<WorkerPool>(2)) {  // RAW and JPEG hashed side by side
  if (opts_.max_queue == 0) opts_.max_queue = 1;
  if (opts_.max_queue_bytes == 0) opts_.max_queue_bytes = 1;
  preview_thread_ = std::thread([this] { preview_worker(); });
  thread_ = std::thread([this] { worker(); });
}

Pipeline::~Pipeline() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  // The preview thread ends once no frame can queue a preview any more; the pipeline thread
  // ends after it, having committed every preview it handed back.
  if (preview_thread_.joinable()) preview_thread_.join();
  if (thread_.joinable()) thread_.join();
}

namespace {
uint64_t job_bytes(const PipelineJob& job) {
  uint64_t n = 0;
  for (const auto& f : job.capture.files) n += f.data.size();
  return n;
}
}  // namespace

uint64_t Pipeline::queued_bytes() const {
  std::lock_guard lock(mu_);
  return queued_bytes_;
}

Status Pipeline::push(PipelineJob job) {
  const uint64_t bytes = job_bytes(job);
  std::unique_lock lock(mu_);
  // A frame larger than the whole budget is taken once nothing else is held (never a deadlock).
  auto room = [&] {
    return queue_.size() < opts_.max_queue &&
           (queued_bytes_ == 0 || queued_bytes_ + bytes <= opts_.max_queue_bytes);
  };
  if (!error_ && !stopping_ && !room()) {
    const auto now = std::chrono::steady_clock::now();
    ++backpressure_waits_;
    if (!backpressure_ || now - backpressure_logged_ >= std::chrono::seconds(30)) {
      const uint64_t held = queued_bytes_;
      const size_t frames = queue_.size();
      const uint64_t waits = std::exchange(backpressure_waits_, 0);
      backpressure_ = true;
      backpressure_logged_ = now;
      lock.unlock();  // the journal's fdatasync is not done under the queue's lock
      journal_backpressure(held, frames, waits);
      lock.lock();
    }
  } else if (room()) {
    backpressure_ = false;  // the episode is over: the next wait is journaled at once
  }
  cv_.wait(lock, [&] { return error_ || stopping_ || room(); });
  if (error_) return *error_;
  if (stopping_) return make_error(Errc::cancelled, "pipeline is shutting down");
  queued_bytes_ += bytes;
  queue_.push_back(std::move(job));
  lock.unlock();
  cv_.notify_all();
  return ok_status();
}

void Pipeline::journal_backpressure(uint64_t bytes, size_t frames, uint64_t waits) {
  const std::string msg = fmt::format(
      "backpressure: disk slower than camera, queue full ({:.1f} MB in {} frame(s); limit "
      "{:.1f} MB / {} frames): the camera waits for the disk",
      static_cast<double>(bytes) / (1 << 20), frames,
      static_cast<double>(opts_.max_queue_bytes) / (1 << 20), opts_.max_queue);
  spdlog::warn("{}", msg);
  try {
    const nlohmann::json line = {
        {"type", "backpressure"}, {"message", msg},
        {"queued_bytes", bytes},  {"queued_frames", frames},
        {"waits", waits},         {"utc", format_utc_iso(std::chrono::system_clock::now())}};
    if (auto st =
            journal_.append(line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
        !st)
      spdlog::error("cannot journal the backpressure: {}", st.error().message);
  } catch (const std::exception& e) {
    spdlog::error("cannot journal the backpressure: {}", e.what());
  }
}

Status Pipeline::drain() {
  std::unique_lock lock(mu_);
  draining_ = true;
  cv_.notify_all();
  cv_.wait(lock, [&] {
    return queue_.empty() && !busy_ && preview_queue_.empty() && !preview_busy_ &&
           preview_made_.empty();
  });
  if (error_) return *error_;
  return ok_status();
}

void Pipeline::queue_preview(uint64_t seq, uint64_t request_id, const std::string& name,
                             const std::string& jpeg_rel_path) {
  if (!opts_.previews.enabled) return;
  {
    std::lock_guard lock(mu_);
    preview_queue_.push_back(PreviewJob{seq, request_id, name, jpeg_rel_path});
  }
  cv_.notify_all();
}

void Pipeline::preview_worker() {
  lower_this_thread_priority();
  bool boosted = false;
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] {
      return !preview_queue_.empty() || (stopping_ && queue_.empty() && !frame_busy_);
    });
    if (preview_queue_.empty()) {  // stopping, and no frame can queue a preview any more
      preview_exited_ = true;
      cv_.notify_all();
      return;
    }
    PreviewJob job = std::move(preview_queue_.front());
    preview_queue_.pop_front();
    preview_busy_ = true;
    const bool boost = (draining_ || stopping_) && !boosted;
    lock.unlock();
    if (boost) {
      restore_this_thread_priority();
      boosted = true;
    }

    PreviewMade made = make_preview(job);

    lock.lock();
    preview_made_.push_back(std::move(made));
    preview_busy_ = false;
    cv_.notify_all();
  }
}

// Reads the durable JPEG back and makes the preview. Nothing is written here: a failure is
// carried to the pipeline thread, which journals it as a skipped preview.
Pipeline::PreviewMade Pipeline::make_preview(const PreviewJob& job) {
  PreviewMade made;
  made.job = job;
  auto make = [&]() -> Status {
    const SpaceGuard guard(bag_.data_dir(), opts_.reserve_bytes);
    TB_TRY(guard.check(0));  // already inside the reserve: do not even decode
    if (job.jpeg_rel.rfind("data/", 0) != 0 || job.jpeg_rel.find("..") != std::string::npos)
      return make_error(Errc::invalid, "'{}' is not a path under data/", job.jpeg_rel);
    auto jpeg = read_file(bag_.dir() / job.jpeg_rel);
    if (!jpeg) return jpeg.error();
    auto pv = make_preview_from_jpeg(*jpeg, opts_.previews.max_size, opts_.previews.quality);
    if (!pv) return make_error(pv.error().code, "{}: {}", job.jpeg_rel, pv.error().message);
    if (opts_.on_preview_decoded) opts_.on_preview_decoded(job.seq, *pv);
    made.preview = std::move(*pv);
    return ok_status();
  };
  Status st = ok_status();
  try {
    st = make();
  } catch (const std::exception& e) {  // allocation failure: the thread must go on
    st = make_error(Errc::internal, "{}", e.what());
  }
  if (!st) {
    made.preview.reset();
    made.fault = "preview skipped: " + st.error().message;
  }
  return made;
}

// On the pipeline thread: one staged commit for the batch's previews (one manifest append,
// one fsync of previews/) and one journal fdatasync for all their lines. Every failure
// becomes a "preview skipped" line; the frames are already safe, and capture goes on.
void Pipeline::commit_previews(std::vector<PreviewMade>& made) {
  const SpaceGuard guard(bag_.data_dir(), opts_.reserve_bytes);
  std::vector<Bag::Staged> batch;
  std::vector<size_t> in_batch;  // index into `made` of each staged file
  // The hash handed to the commit: the bag keeps no frame or preview line in RAM to ask.
  std::vector<std::string> sha(made.size());
  for (size_t i = 0; i < made.size(); ++i) {
    auto& m = made[i];
    if (!m.preview) continue;
    const std::string rel = "previews/" + m.job.name + ".jpg";
    auto stage = [&]() -> Status {
      TB_TRY(guard.check(m.preview->jpeg.size() + 1024));  // + its journal line
      auto staged = bag_.stage(rel);
      if (!staged) return staged.error();
      TB_TRY(staged->file.write(m.preview->jpeg));
      staged->sha256 = sha256_hex(m.preview->jpeg);
      sha[i] = staged->sha256;
      batch.push_back(std::move(*staged));
      in_batch.push_back(i);
      return ok_status();
    };
    if (auto st = stage(); !st) {
      m.preview.reset();
      m.fault = "preview skipped: " + st.error().message;
    }
  }
  std::vector<std::string> committed;  // rel paths listed by the commit below
  if (!batch.empty()) {
    std::vector<std::string> rels;
    for (const auto& b : batch) rels.push_back(b.rel);
    if (auto st = bag_.commit(batch); !st) {
      // The commit takes its own renamed files back: none of the batch is in the bag.
      for (size_t i : in_batch) {
        made[i].preview.reset();
        made[i].fault = "preview skipped: " + st.error().message;
      }
    } else {
      committed = std::move(rels);
    }
  }
  std::vector<std::string> lines;
  std::vector<PreviewDone> done(made.size());
  for (size_t i = 0; i < made.size(); ++i) {
    auto& m = made[i];
    PreviewDone& d = done[i];
    d.seq = m.job.seq;
    d.request_id = m.job.request_id;
    d.name = m.job.name;
    nlohmann::json line = {
        {"type", "preview"}, {"seq", d.seq}, {"request_id", d.request_id}, {"name", d.name}};
    if (m.preview) {
      const std::string rel = "data/previews/" + m.job.name + ".jpg";
      d.file = FileRecord{"preview", rel, "", m.preview->jpeg.size(), sha[i]};
      d.histogram = m.preview->histogram;
      d.histogram.measured = true;
      line["file"] = to_json(*d.file);
      line["histogram"] = to_json(d.histogram);
    } else {
      d.fault = m.fault;
      spdlog::warn("frame {}: {}", d.name, d.fault);
      line["file"] = nullptr;
      line["fault"] = d.fault;
    }
    lines.push_back(line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  if (auto st = journal_.append_lines(lines); !st) {
    // Listed, never journaled: take the files back so the bag claims nothing the journal
    // does not (a crash here instead is repaired by resume the same way).
    spdlog::error("previews: cannot journal {} preview line(s): {}", lines.size(),
                  st.error().message);
    for (const auto& rel : committed)
      if (auto rm = bag_.remove(rel); !rm)
        spdlog::error("could not remove the unrecorded preview data/{}: {}", rel,
                      rm.error().message);
    for (auto& d : done) {
      d.file.reset();
      d.histogram = Histogram{};
      if (d.fault.empty()) d.fault = "preview skipped: " + st.error().message;
    }
  }
  if (!on_preview_) return;
  for (const auto& d : done) on_preview_(d);
}

void Pipeline::worker() {
  // Encoded previews are small (~0.1-0.3 MB); this many are committed even while frames wait,
  // so a camera that keeps the queue full cannot make them pile up in memory.
  constexpr size_t kPreviewBatch = 8;
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] {
      return !queue_.empty() || !preview_made_.empty() || (stopping_ && preview_exited_);
    });
    if (!preview_made_.empty() && (queue_.empty() || preview_made_.size() >= kPreviewBatch)) {
      std::vector<PreviewMade> made(std::make_move_iterator(preview_made_.begin()),
                                    std::make_move_iterator(preview_made_.end()));
      preview_made_.clear();
      busy_ = true;
      lock.unlock();
      try {
        commit_previews(made);
      } catch (const std::exception& e) {  // JSON or allocation: the frames must go on
        spdlog::error("previews: {} preview(s) not recorded: {}", made.size(), e.what());
      }
      lock.lock();
      busy_ = false;
      cv_.notify_all();
      continue;
    }
    if (queue_.empty()) return;  // stopping, every frame and preview is done
    PipelineJob job = std::move(queue_.front());
    queue_.pop_front();
    const uint64_t bytes = job_bytes(job);
    busy_ = true;
    frame_busy_ = true;
    lock.unlock();
    cv_.notify_all();  // a frame slot is free for push() (its bytes only once it is stored)

    auto r = process(std::move(job));  // the job's bytes are freed when process returns

    lock.lock();
    busy_ = false;
    frame_busy_ = false;
    queued_bytes_ -= bytes;
    if (r && metadata_error_ && !error_) r = *metadata_error_;  // durable, but stop here
    if (!r && !error_) {
      error_ = r.error();
      // The pipeline has stopped: frames still queued will not become durable. Name them so
      // the log says exactly which requests must be captured again.
      for (const auto& j : queue_) {
        spdlog::error("pipeline stopped: frame {} (request {}) was not stored", j.record.name,
                      j.record.request_id);
        queued_bytes_ -= job_bytes(j);
      }
      queue_.clear();
    }
    cv_.notify_all();  // a slot (and its bytes) is free for push()
  }
}

// The order that keeps every guarantee while the CPU and the disk work at the same time:
//  1. refuse before writing anything when the originals do not fit (space guard);
//  2. hand the hashes to the pool (one task per original), reading the buffers being written;
//  3. write the originals to temp files (writeback starts at once, see StagedFile::write);
//  4. the sidecar temp file, once the pool has the hashes;
//  5. Bag::commit: fsync all temps + the new manifest, rename, one fsync per directory,
//     manifest into place;
//  6. the journal line (fsync'd): the frame exists only from here on;
//  7. on_done, then the preview is queued for the preview thread.
// Any failure unlinks the temps and removes the files already renamed, so no half frame
// remains.
Result<FrameRecord> Pipeline::process(PipelineJob job) {
  FrameRecord rec = std::move(job.record);
  const SpaceGuard guard(bag_.data_dir(), opts_.reserve_bytes);
  std::vector<Bag::Staged> staged;
  std::vector<std::string> written;  // rel paths under data/, removed again on failure

  // The pool reads job's buffers: every task is waited for before this function returns,
  // whichever way it returns.
  std::vector<std::future<std::string>> hashes;
  struct WaitAll {
    std::vector<std::future<std::string>>& h;
    ~WaitAll() {
      for (auto& f : h)
        if (f.valid()) f.wait();
    }
  } wait_all{hashes};

  auto fail = [&](Error e) -> Result<FrameRecord> {
    staged.clear();  // unlinks the temp files not yet renamed
    for (const auto& rel : written) {
      if (auto st = bag_.remove(rel); !st)
        spdlog::error("frame {}: could not remove partial file data/{}: {}", rec.name, rel,
                      st.error().message);
    }
    e.message = fmt::format("frame {}: {}", rec.name, e.message);
    spdlog::error("{}", e.message);
    return e;
  };
  // Opens data/<rel>'s temp file and writes `bytes` into it; the caller sets the hash.
  auto stage = [&](const std::string& rel, std::span<const uint8_t> bytes) -> Status {
    // Not in `written` yet: a failed commit takes its own renamed files back, and a refused
    // stage (the name exists) must never lead to removing the file that is already there.
    auto s = bag_.stage(rel);
    if (!s) return s.error();
    staged.push_back(std::move(*s));
    return staged.back().file.write(bytes);
  };

  if (rec.name.empty() || rec.name.find('/') != std::string::npos || rec.name.front() == '.')
    return fail(make_error(Errc::invalid, "frame name '{}' is not a plain file name", rec.name));
  if (job.capture.files.empty())
    return fail(make_error(Errc::invalid, "capture {} produced no file", job.capture.request_id));
  std::set<std::string> exts;
  uint64_t originals_bytes = 0;
  const hal::CapturedFile* jpeg = nullptr;
  for (const auto& f : job.capture.files) {
    if (f.extension.empty() || !exts.insert(f.extension).second)
      return fail(make_error(Errc::invalid, "two files with extension '{}' for one frame ({})",
                             f.extension, f.camera_name));
    originals_bytes += f.data.size();
    if (!jpeg && is_jpeg_ext(f.extension)) jpeg = &f;
  }
  // The frame's other writes (sidecar, manifest rewrite, journal line) are counted in with a
  // margin, so a frame that does not fit is refused here, before a byte of it is written.
  constexpr uint64_t kFrameOverhead = 1u << 20;
  if (auto st = guard.check(originals_bytes + kFrameOverhead); !st) return fail(st.error());

  // The manifest describes the bytes handed to write(2): the same buffers, hashed here while
  // they are being written.
  hashes.reserve(job.capture.files.size());
  for (const auto& f : job.capture.files)
    hashes.push_back(pool_->submit([data = &f.data] { return sha256_hex(*data); }));

  // Originals, byte-for-byte.
  std::string original_file;
  for (const auto& f : job.capture.files) {
    const std::string rel = "frames/" + rec.name + "." + f.extension;
    if (auto st = stage(rel, f.data); !st) return fail(st.error());
    rec.files.push_back(
        FileRecord{"original", "data/" + rel, f.camera_name, f.data.size(), std::string()});
    // The sidecar describes the RAW when there is one (the JPEG is the camera's rendering).
    if (original_file.empty() || !is_jpeg_ext(f.extension))
      original_file = fs::path(rel).filename().string();
  }

  for (size_t i = 0; i < hashes.size(); ++i) {
    std::string sum;
    try {
      sum = hashes[i].get();
    } catch (const std::exception& e) {  // allocation failure inside the task
      return fail(make_error(Errc::internal, "hashing {} failed: {}", rec.files[i].path, e.what()));
    }
    if (sum.empty())
      return fail(make_error(Errc::internal, "OpenSSL SHA-256 failed on {}", rec.files[i].path));
    staged[i].sha256 = sum;
    rec.files[i].sha256 = std::move(sum);
  }

  // Sidecar. A frame whose metadata cannot be rendered is still kept (its originals and the
  // journal line carry the record), but the session stops after it, resumable, saying why:
  // a renderer that fails once fails for every frame, and a bag of frames without sidecars
  // must never end with exit 0.
  SidecarContext ctx = opts_.sidecar;
  ctx.original_file = original_file;
  std::optional<Error> sidecar_error;
  auto xmp = render_sidecar(rec, ctx);
  if (xmp) {
    for (auto& r : xmp->repairs) rec.faults.push_back(std::move(r));
    const std::string& packet = xmp->packet;
    const std::string rel = "frames/" + rec.name + ".xmp";
    if (auto st = guard.check(packet.size()); !st) return fail(st.error());
    if (auto st = stage(rel, as_bytes(packet)); !st) return fail(st.error());
    staged.back().sha256 = sha256_hex(as_bytes(packet));
    rec.files.push_back(
        FileRecord{"sidecar", "data/" + rel, "", packet.size(), staged.back().sha256});
  } else {
    rec.faults.push_back("sidecar: " + xmp.error().message);
    spdlog::error("frame {}: no sidecar: {}", rec.name, xmp.error().message);
    sidecar_error = make_error(xmp.error().code,
                               "frame {} was kept without its sidecar: {}; fix the cause and "
                               "resume (later frames were not taken)",
                               rec.name, xmp.error().message);
  }

  // The journal line makes the frame durable.
  std::string text;
  try {
    nlohmann::json line = {{"type", "frame"}};
    line.update(to_json(rec));
    // Camera-provided strings are not always UTF-8: replace bad bytes rather than lose a frame.
    text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } catch (const nlohmann::json::exception& e) {
    return fail(make_error(Errc::internal, "cannot serialise the frame record: {}", e.what()));
  }
  if (auto st = guard.check(text.size() + 1); !st) return fail(st.error());
  if (auto st = bag_.commit(staged); !st) return fail(st.error());
  // Committed: these names are ours now, removed again if the journal line fails.
  for (const auto& s : staged) written.push_back(s.rel);
  staged.clear();
  if (auto st = journal_.append(text); !st) return fail(st.error());

  if (on_done_) on_done_(rec);
  if (sidecar_error) {
    std::lock_guard lk(mu_);
    if (!metadata_error_) metadata_error_ = std::move(sidecar_error);
  }
  // Preview + histogram: only from a JPEG (RAW development is not done on the capture path).
  // The preview thread reads the original back from the bag: the backlog holds no image bytes.
  if (jpeg)
    queue_preview(rec.seq, rec.request_id, rec.name,
                  "data/frames/" + rec.name + "." + jpeg->extension);
  return rec;
}

}  // namespace tb::capture
