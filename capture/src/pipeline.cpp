// The frame pipeline: originals (byte-for-byte), preview + histogram, sidecar, then the
// journal line. A frame is durable when its journal line is fsync'd; until then it is not a
// frame, and on a failure everything written for it is removed so no half frame remains.
#include "tetherbox/capture/pipeline.hpp"

#include <spdlog/spdlog.h>

#include <future>
#include <set>

#include "tetherbox/capture/preview.hpp"
#include "tetherbox/capture/sidecar.hpp"

namespace tb::capture {

namespace {

bool is_jpeg_ext(const std::string& ext) {
  return ext == "jpg" || ext == "jpeg";
}

}  // namespace

Pipeline::Pipeline(Bag& bag, Journal& journal, PipelineOptions opts, DoneFn on_done)
    : bag_(bag), journal_(journal), opts_(std::move(opts)), on_done_(std::move(on_done)) {
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

Result<FrameRecord> Pipeline::process(PipelineJob job) {
  FrameRecord rec = std::move(job.record);
  const SpaceGuard guard(bag_.data_dir(), opts_.reserve_bytes);
  std::vector<std::string> written;  // rel paths under data/, removed again on failure

  auto fail = [&](Error e) -> Result<FrameRecord> {
    for (const auto& rel : written) {
      if (auto st = bag_.remove(rel); !st)
        spdlog::error("frame {}: could not remove partial file data/{}: {}", rec.name, rel,
                      st.error().message);
    }
    e.message = fmt::format("frame {}: {}", rec.name, e.message);
    spdlog::error("{}", e.message);
    return e;
  };
  auto store = [&](const std::string& rel, std::span<const uint8_t> bytes) -> Result<WrittenFile> {
    if (auto st = guard.check(bytes.size()); !st) return st.error();
    // Listed before the write: a put that fails after its rename (directory fsync, manifest)
    // may have left the file in place, and the cleanup must take it away too.
    written.push_back(rel);
    return bag_.put_deferred(rel, bytes);  // the manifest is rewritten once, before the journal
  };
  auto as_bytes = [](const std::string& s) {
    return std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  };

  if (rec.name.empty() || rec.name.find('/') != std::string::npos || rec.name.front() == '.')
    return fail(make_error(Errc::invalid, "frame name '{}' is not a plain file name", rec.name));
  if (job.capture.files.empty())
    return fail(make_error(Errc::invalid, "capture {} produced no file", job.capture.request_id));

  // The preview decode is CPU work; run it on another core while the originals are written
  // and fsync'd (the disk, not the CPU, is the wait there).
  const hal::CapturedFile* jpeg = nullptr;
  for (const auto& f : job.capture.files)
    if (!jpeg && is_jpeg_ext(f.extension)) jpeg = &f;
  std::future<Result<Preview>> preview;
  if (opts_.previews.enabled && jpeg)
    preview = std::async(std::launch::async,
                         [jpeg, max = opts_.previews.max_size, q = opts_.previews.quality] {
                           return make_preview_from_jpeg(jpeg->data, max, q);
                         });

  // Originals, byte-for-byte.
  std::set<std::string> exts;
  std::string original_file;
  for (const auto& f : job.capture.files) {
    if (f.extension.empty() || !exts.insert(f.extension).second)
      return fail(make_error(Errc::invalid, "two files with extension '{}' for one frame ({})",
                             f.extension, f.camera_name));
    const std::string rel = "frames/" + rec.name + "." + f.extension;
    auto w = store(rel, f.data);
    if (!w) return fail(w.error());
    rec.files.push_back(FileRecord{"original", w->rel_path, f.camera_name, w->size, w->sha256});
    // The sidecar describes the RAW when there is one (the JPEG is the camera's rendering).
    if (original_file.empty() || !is_jpeg_ext(f.extension))
      original_file = fs::path(rel).filename().string();
  }

  // Preview + histogram: only from a JPEG (RAW development is not done on the capture path).
  // A JPEG the decoder rejects is recorded as a fault; the original is already safe.
  if (preview.valid()) {
    auto pv = preview.get();
    if (pv) {
      auto w = store("previews/" + rec.name + ".jpg", pv->jpeg);
      if (!w) return fail(w.error());
      rec.files.push_back(FileRecord{"preview", w->rel_path, "", w->size, w->sha256});
      rec.histogram = pv->histogram;
    } else {
      rec.faults.push_back("preview: " + pv.error().message);
      spdlog::warn("frame {}: no preview: {}", rec.name, pv.error().message);
    }
  }

  // Sidecar. Failing to render metadata is a fault on the frame, not a reason to lose it: the
  // journal line below carries the same record.
  SidecarContext ctx = opts_.sidecar;
  ctx.original_file = original_file;
  auto xmp = make_sidecar(rec, ctx);
  if (xmp) {
    auto w = store("frames/" + rec.name + ".xmp", as_bytes(*xmp));
    if (!w) return fail(w.error());
    rec.files.push_back(FileRecord{"sidecar", w->rel_path, "", w->size, w->sha256});
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
  if (auto st = bag_.flush_manifest(); !st) return fail(st.error());
  if (auto st = journal_.append(text); !st) return fail(st.error());

  if (on_done_) on_done_(rec);
  return rec;
}

}  // namespace tb::capture
