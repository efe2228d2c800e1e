// The frame pipeline: originals (byte-for-byte), preview + histogram, sidecar, then the
// journal line. A frame is durable when its journal line is fsync'd; until then it is not a
// frame, and on a failure everything written for it is removed so no half frame remains.
#include "tetherbox/capture/pipeline.hpp"

#include <spdlog/spdlog.h>

#include <deque>
#include <functional>
#include <future>
#include <set>
#include <vector>

#include "tetherbox/capture/preview.hpp"
#include "tetherbox/capture/sidecar.hpp"

namespace tb::capture {

namespace {

bool is_jpeg_ext(const std::string& ext) {
  return ext == "jpg" || ext == "jpeg";
}

std::span<const uint8_t> as_bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace

// A frame's CPU work (SHA-256 of the originals, the preview decode) runs here while the
// pipeline thread writes the bytes and the disk writes them back: fsync leaves the CPU idle,
// and a 24 MP frame's hashing + decoding costs as much as its I/O. Persistent threads, not a
// thread per frame.
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

Pipeline::Pipeline(Bag& bag, Journal& journal, PipelineOptions opts, DoneFn on_done)
    : bag_(bag),
      journal_(journal),
      opts_(std::move(opts)),
      on_done_(std::move(on_done)),
      pool_(std::make_unique<WorkerPool>(2)) {  // one for the hashes, one for the preview
  if (opts_.max_queue == 0) opts_.max_queue = 1;
  thread_ = std::thread([this] { worker(); });
}

Pipeline::~Pipeline() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Status Pipeline::push(PipelineJob job) {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return error_ || stopping_ || queue_.size() < opts_.max_queue; });
  if (error_) return *error_;
  if (stopping_) return make_error(Errc::cancelled, "pipeline is shutting down");
  queue_.push_back(std::move(job));
  lock.unlock();
  cv_.notify_all();
  return ok_status();
}

Status Pipeline::drain() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return queue_.empty() && !busy_; });
  if (error_) return *error_;
  return ok_status();
}

void Pipeline::worker() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping and nothing left: every pushed frame is done
    PipelineJob job = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    cv_.notify_all();  // a slot is free for push()

    auto r = process(std::move(job));

    lock.lock();
    busy_ = false;
    if (!r && !error_) {
      error_ = r.error();
      // The pipeline has stopped: frames still queued will not become durable. Name them so
      // the log says exactly which requests must be captured again.
      for (const auto& j : queue_)
        spdlog::error("pipeline stopped: frame {} (request {}) was not stored", j.record.name,
                      j.record.request_id);
      queue_.clear();
    }
    cv_.notify_all();
  }
}

// The order that keeps every guarantee while the CPU and the disk work at the same time:
//  1. refuse before writing anything when the originals do not fit (space guard);
//  2. hand the hashes and the preview to the pool, reading the same buffers that are written;
//  3. write the originals to temp files (writeback starts at once, see StagedFile::write);
//  4. preview and sidecar temp files, once the pool has them;
//  5. Bag::commit: fsync all temps + the new manifest, rename, one fsync per directory,
//     manifest into place;
//  6. the journal line (fsync'd): the frame exists only from here on.
// Any failure unlinks the temps and removes the files already renamed, so no half frame
// remains.
Result<FrameRecord> Pipeline::process(PipelineJob job) {
  FrameRecord rec = std::move(job.record);
  const SpaceGuard guard(bag_.data_dir(), opts_.reserve_bytes);
  std::vector<Bag::Staged> staged;
  std::vector<std::string> written;  // rel paths under data/, removed again on failure

  // The pool reads job's buffers: every task is waited for before this function returns,
  // whichever way it returns.
  std::future<Result<Preview>> preview;
  std::future<std::vector<std::string>> hashes;
  struct WaitAll {
    std::future<Result<Preview>>& p;
    std::future<std::vector<std::string>>& h;
    ~WaitAll() {
      if (p.valid()) p.wait();
      if (h.valid()) h.wait();
    }
  } wait_all{preview, hashes};

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
    // Listed before the write: a commit that fails after its rename (directory fsync,
    // manifest) may have left the file in place, and the cleanup must take it away too.
    written.push_back(rel);
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
  if (auto st = guard.check(originals_bytes); !st) return fail(st.error());

  // Preview + histogram: only from a JPEG (RAW development is not done on the capture path).
  if (opts_.previews.enabled && jpeg)
    preview = pool_->submit([jpeg, max = opts_.previews.max_size, q = opts_.previews.quality] {
      return make_preview_from_jpeg(jpeg->data, max, q);
    });
  // The manifest describes the bytes handed to write(2): the same buffers, hashed here while
  // they are being written.
  hashes = pool_->submit([files = &job.capture.files] {
    std::vector<std::string> out;
    out.reserve(files->size());
    for (const auto& f : *files) out.push_back(sha256_hex(f.data));
    return out;
  });

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

  // A JPEG the decoder rejects is recorded as a fault; the originals are safe regardless.
  if (preview.valid()) {
    auto pv = preview.get();
    if (pv) {
      const std::string rel = "previews/" + rec.name + ".jpg";
      if (auto st = guard.check(pv->jpeg.size()); !st) return fail(st.error());
      if (auto st = stage(rel, pv->jpeg); !st) return fail(st.error());
      staged.back().sha256 = sha256_hex(pv->jpeg);
      rec.files.push_back(
          FileRecord{"preview", "data/" + rel, "", pv->jpeg.size(), staged.back().sha256});
      rec.histogram = pv->histogram;
    } else {
      rec.faults.push_back("preview: " + pv.error().message);
      spdlog::warn("frame {}: no preview: {}", rec.name, pv.error().message);
    }
  }

  {
    std::vector<std::string> sums;
    try {
      sums = hashes.get();
    } catch (const std::exception& e) {  // allocation failure inside the task
      return fail(make_error(Errc::internal, "hashing the originals failed: {}", e.what()));
    }
    for (size_t i = 0; i < sums.size(); ++i) {
      if (sums[i].empty())
        return fail(make_error(Errc::internal, "OpenSSL SHA-256 failed on {}", rec.files[i].path));
      staged[i].sha256 = sums[i];
      rec.files[i].sha256 = std::move(sums[i]);
    }
  }

  // Sidecar. Failing to render metadata is a fault on the frame, not a reason to lose it: the
  // journal line below carries the same record.
  SidecarContext ctx = opts_.sidecar;
  ctx.original_file = original_file;
  auto xmp = make_sidecar(rec, ctx);
  if (xmp) {
    const std::string rel = "frames/" + rec.name + ".xmp";
    if (auto st = guard.check(xmp->size()); !st) return fail(st.error());
    if (auto st = stage(rel, as_bytes(*xmp)); !st) return fail(st.error());
    staged.back().sha256 = sha256_hex(as_bytes(*xmp));
    rec.files.push_back(
        FileRecord{"sidecar", "data/" + rel, "", xmp->size(), staged.back().sha256});
  } else {
    rec.faults.push_back("sidecar: " + xmp.error().message);
    spdlog::error("frame {}: no sidecar: {}", rec.name, xmp.error().message);
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
  staged.clear();
  if (auto st = journal_.append(text); !st) return fail(st.error());

  if (on_done_) on_done_(rec);
  return rec;
}

}  // namespace tb::capture
