// The gphoto2 Camera's capture path: the shot (busy gets one short retry, then the caller
// decides), downloads, the event drain after a frame, and the request <-> file binding
// (decisions in file_binding.cpp, the wait for a frame's files in frame_collector.cpp).
#include <fmt/format.h>
#include <gphoto2/gphoto2-result.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <thread>

#include "download_sink.hpp"
#include "file_binding.hpp"
#include "gphoto2_camera_impl.hpp"
#include "tetherbox/hal/gphoto2/gp_errors.hpp"

namespace tb::hal::gphoto2_backend::detail {

// ---------------------------------------------------------------- files

Status GphotoCamera::list_card(const std::string& folder, std::set<std::string>& out, int depth) {
  if (depth > 8) return ok_status();
  {
    ListHolder files;
    ctx_->begin();
    int rc = gp_camera_folder_list_files(cam_, folder.c_str(), files.l, ctx_->get());
    if (rc < GP_OK) return fail(rc, fmt::format("listing {}", folder));
    for (int i = 0; i < gp_list_count(files.l); ++i) {
      const char* name = nullptr;
      gp_list_get_name(files.l, i, &name);
      if (name) out.insert(binding::join_path(folder, name));
    }
  }
  ListHolder folders;
  ctx_->begin();
  int rc = gp_camera_folder_list_folders(cam_, folder.c_str(), folders.l, ctx_->get());
  if (rc < GP_OK) return fail(rc, fmt::format("listing folders of {}", folder));
  std::vector<std::string> subs;
  for (int i = 0; i < gp_list_count(folders.l); ++i) {
    const char* name = nullptr;
    gp_list_get_name(folders.l, i, &name);
    if (name) subs.push_back(binding::join_path(folder, name));
  }
  for (const auto& s : subs) TB_TRY(list_card(s, out, depth + 1));
  return ok_status();
}

Result<CapturedFile> GphotoCamera::download(const std::string& path, double& seconds) {
  auto [folder, name] = binding::split_path(path);
  // Room for the largest file so far and some (a JPEG's size follows the scene): the bytes
  // then land in place, without the buffer being moved as it grows.
  DownloadSink sink(largest_download_ + largest_download_ / 4);
  if (!sink.file()) {
    return make_error(Errc::internal, "{}: downloading {}: libgphoto2 could not make a file",
                      info_.model, path);
  }
  auto t0 = Clock::now();
  ctx_->begin();
  trace("gp_camera_file_get");
  int rc = gp_camera_file_get(cam_, folder.c_str(), name.c_str(), GP_FILE_TYPE_NORMAL, sink.file(),
                              ctx_->get());
  if (!sink.failure().empty()) {
    return make_error(Errc::internal, "{}: downloading {}: {}", info_.model, path, sink.failure());
  }
  if (rc < GP_OK) return fail(rc, fmt::format("downloading {}", path));
  seconds += std::chrono::duration<double>(Clock::now() - t0).count();
  CapturedFile out;
  out.data = sink.take();
  if (out.data.empty()) {
    return make_error(Errc::io, "{}: downloading {} gave an empty file", info_.model, path);
  }
  largest_download_ = std::max(largest_download_, out.data.size());
  out.camera_name = name;
  out.extension = binding::lower_ext(name);
  const char* mime = nullptr;
  gp_file_get_mime_type(sink.file(), &mime);
  out.mime = mime && *mime && std::string(mime) != "application/octet-stream"
                 ? std::string(mime)
                 : binding::mime_for_ext(out.extension);
  return out;
}

Status GphotoCamera::download_with_retry(const std::string& path, CaptureResult& out) {
  auto f = download(path, out.download_s);
  if (!f.ok() && f.error().code == Errc::io && !dead_) {
    // One more try: a transfer error on a healthy link is often transient; on a dead link the
    // retry answers "no device" and tells us which it was.
    out.notes.push_back(fmt::format("download retried after: {}", f.error().message));
    f = download(path, out.download_s);
  }
  if (!f.ok()) {
    if (f.error().code == Errc::io && probe_dead()) {
      return make_error(Errc::disconnected, "{} (camera gone: reconnect; the frame is kept)",
                        f.error().message);
    }
    return f.error();
  }
  out.files.push_back(std::move(*f));
  known_.insert(path);
  return ok_status();
}

Result<binding::BodyEvent> GphotoCamera::next_event(milliseconds wait) {
  using Kind = binding::BodyEvent::Kind;
  CameraEventType type;
  void* data = nullptr;
  ctx_->begin();
  trace(wait.count() == 0 ? "gp_camera_wait_for_event(queued)" : "gp_camera_wait_for_event");
  int rc =
      gp_camera_wait_for_event(cam_, static_cast<int>(wait.count()), &type, &data, ctx_->get());
  if (rc < GP_OK) return fail(rc, "waiting for camera events");
  binding::BodyEvent ev;
  if (type == GP_EVENT_FILE_ADDED && data) {
    auto* p = static_cast<CameraFilePath*>(data);
    ev.kind = Kind::file_added;
    ev.path = binding::join_path(p->folder, p->name);
  } else if (type == GP_EVENT_UNKNOWN && data) {
    std::string text(static_cast<const char*>(data));
    ev.kind = text.find("roperty") != std::string::npos ? Kind::property_changed : Kind::other;
  } else if (type != GP_EVENT_TIMEOUT) {
    ev.kind = Kind::other;  // FOLDER_ADDED, FILE_CHANGED, CAPTURE_COMPLETE
  }
  free(data);  // NOLINT: libgphoto2 hands over malloc'd event data (or null)
  return ev;
}

// The collector's view of this camera while one frame is being delivered.
class FrameBodyOnGphoto final : public binding::FrameBody {
 public:
  FrameBodyOnGphoto(GphotoCamera& cam, CaptureResult& out) : cam_(cam), out_(out) {}
  Result<binding::BodyEvent> next_event(milliseconds wait) override {
    return cam_.next_event(wait);
  }
  Result<std::set<std::string>> list_folder(const std::string& folder) override {
    ListHolder files;
    cam_.ctx_->begin();
    int rc = gp_camera_folder_list_files(cam_.cam_, folder.c_str(), files.l, cam_.ctx_->get());
    if (rc < GP_OK) return cam_.fail(rc, fmt::format("listing {}", folder));
    std::set<std::string> out;
    for (int i = 0; i < gp_list_count(files.l); ++i) {
      const char* name = nullptr;
      gp_list_get_name(files.l, i, &name);
      if (name) out.insert(binding::join_path(folder, name));
    }
    return out;
  }
  Status take(const std::string& path) override { return cam_.download_with_retry(path, out_); }
  void note(std::string text) override { cam_.note(std::move(text)); }
  void property_changed() override { cam_.reported_dirty_ = true; }
  Clock::time_point now() override { return Clock::now(); }

 private:
  GphotoCamera& cam_;
  CaptureResult& out_;
};

Status GphotoCamera::drain_events(milliseconds per_wait, milliseconds budget) {
  using Kind = binding::BodyEvent::Kind;
  auto deadline = Clock::now() + budget;
  while (Clock::now() < deadline) {
    auto ev = next_event(per_wait);
    if (!ev.ok()) return ev.error();
    if (ev->kind == Kind::timeout) return ok_status();
    if (ev->kind == Kind::property_changed) reported_dirty_ = true;
    if (ev->kind != Kind::file_added || known_.count(ev->path)) continue;
    known_.insert(ev->path);
    if (!last_primary_.empty() && binding::same_frame(ev->path, last_primary_)) {
      note(
          fmt::format("file {} of the previous frame ({}) arrived after that frame was closed; "
                      "left on the card, not bound",
                      ev->path, last_primary_));
    } else {
      note(
          fmt::format("file {} appeared without a request (body shutter press?); left on the "
                      "card, not bound",
                      ev->path));
    }
  }
  return ok_status();
}

Status GphotoCamera::collect_companions(const std::string& primary, int already,
                                        CaptureResult& out) {
  binding::FramePlan plan;
  plan.primary = primary;
  plan.expected = files_per_shot_;
  plan.already = already;
  plan.previous_primary = last_primary_;
  plan.event_wait = opts_.event_wait;
  plan.timeout = opts_.companion_timeout;
  plan.list_every = opts_.companion_list_every;
  FrameBodyOnGphoto body(*this, out);
  auto r = binding::collect_frame(body, plan, known_);
  if (!r.ok()) return r.error();
  if (r->learned) {
    files_per_shot_ = r->learned;
    files_per_shot_learned_ = true;
    spdlog::debug("gphoto2: {} file(s) per shot, from the first frame's events", *r->learned);
  }
  if (r->late_companion && files_per_shot_learned_ && files_per_shot_ < 2) {
    // A learned expectation was one file short: the body writes pairs, wait for them from now.
    files_per_shot_ = 2;
    note(
        "the body writes RAW+JPEG pairs (a second file came after its frame closed): frames "
        "now wait for both files");
  }
  return ok_status();
}

Status GphotoCamera::drain() {
  Error refused;
  auto lock = try_own("drain", &refused);
  if (!lock) return refused;
  if (!cam_ || dead_) return make_error(Errc::disconnected, "gphoto2: camera not open; reconnect");
  return drain_events(opts_.event_wait, milliseconds(3000));
}

Result<CaptureResult> GphotoCamera::finish_capture(const std::string& primary,
                                                   std::vector<std::string> companions) {
  CaptureResult out;
  out.request_id = pending_->request_id;
  out.trigger_utc = pending_->trigger_utc;
  out.trigger_uncertainty_s = pending_->trigger_uncertainty_s;
  auto t0 = Clock::now();
  TB_TRY(download_with_retry(primary, out));
  for (const auto& c : companions) {
    if (!known_.count(c)) TB_TRY(download_with_retry(c, out));
  }
  auto t1 = Clock::now();
  auto st = collect_companions(primary, static_cast<int>(out.files.size()), out);
  last_primary_ = primary;
  spdlog::debug("gphoto2: request {}: shot in {:.0f} ms, download {:.0f} ms, events {:.0f} ms",
                out.request_id, out.trigger_uncertainty_s * 2000,
                std::chrono::duration<double, std::milli>(t1 - t0).count(),
                std::chrono::duration<double, std::milli>(Clock::now() - t1).count());
  if (!st.ok()) {
    // The primary is in hand; a lost link shows up on the next call.
    out.notes.push_back(fmt::format("collecting the frame's files failed: {}", st.error().message));
  }
  if (reported_dirty_ && !dead_) {
    auto r = read_exposure_now();
    if (!r.ok()) out.notes.push_back(fmt::format("exposure re-read failed: {}", r.error().message));
  }
  out.reported = reported_;
  out.reported_valid = reported_valid_;
  if (cfg_.delete_from_card && !dead_) {
    for (const auto& f : out.files) {
      std::string path = binding::join_path(binding::split_path(primary).first, f.camera_name);
      ctx_->begin();
      int rc = gp_camera_file_delete(cam_, binding::split_path(path).first.c_str(),
                                     binding::split_path(path).second.c_str(), ctx_->get());
      if (rc < GP_OK) {
        out.notes.push_back(fail(rc, fmt::format("deleting {} from card", path)).message);
      } else {
        known_.erase(path);  // gone from the card: the name may come back legitimately
      }
    }
  }
  for (auto& n : notes_) out.notes.push_back(std::move(n));
  notes_.clear();
  pending_.reset();
  return out;
}

Result<CaptureResult> GphotoCamera::recover_pending(uint64_t request_id) {
  std::vector<std::string> files = pending_->recovered;
  std::string primary = files.front();
  files.erase(files.begin());
  note(fmt::format("request {} completed from the card after reconnect ({})", request_id, primary));
  return finish_capture(primary, files);
}

Result<CaptureResult> GphotoCamera::capture(uint64_t request_id) {
  Error refused;
  auto lock = try_own(fmt::format("capture of request {}", request_id).c_str(), &refused);
  if (!lock) return refused;
  if (!cam_) return make_error(Errc::disconnected, "gphoto2: camera not open");
  if (dead_) {
    return make_error(Errc::disconnected, "{}: session lost (unplugged?); call reconnect()",
                      info_.model);
  }
  in_flight_ = request_id;
  struct ClearInFlight {
    std::atomic<uint64_t>& v;
    ~ClearInFlight() { v = 0; }
  } clear{in_flight_};

  if (pending_ && pending_->request_id != request_id) {
    // The engine gave up on that request: its file (if any) must never bind to this one.
    for (const auto& p : pending_->recovered) known_.insert(p);
    if (pending_->path) known_.insert(*pending_->path);
    note(fmt::format("request {} abandoned; its file(s) left on the card unbound",
                     pending_->request_id));
    pending_.reset();
  }
  if (pending_ && !pending_->recovered.empty()) return recover_pending(request_id);
  if (pending_ && pending_->path) {
    // Captured, download cut short, file not listed after reconnect: it is lost on the body.
    note(fmt::format("request {}: file {} of the cut-short capture is gone; shooting again",
                     request_id, *pending_->path));
  }

  pending_ = PendingCapture{request_id, std::nullopt, {}, {}, 0};
  const int attempts = std::max(1, opts_.busy_attempts);
  int busy_tries = 0;
  CameraFilePath path{};
  for (;;) {
    auto utc0 = std::chrono::system_clock::now();
    ctx_->begin();
    trace("gp_camera_capture");
    int rc = gp_camera_capture(cam_, GP_CAPTURE_IMAGE, &path, ctx_->get());
    auto utc1 = std::chrono::system_clock::now();
    if (rc >= GP_OK) {
      pending_->trigger_utc = utc0 + (utc1 - utc0) / 2;
      pending_->trigger_uncertainty_s = std::chrono::duration<double>(utc1 - utc0).count() / 2;
      break;
    }
    Error e = fail(rc, fmt::format("capture of request {}", request_id), true);
    if (e.code == Errc::busy) {
      // A body writing to its card is usually free again within a few tens of ms: one short
      // retry, then the runner decides (it knows the shot's budget; we do not).
      if (++busy_tries < attempts) {
        std::this_thread::sleep_for(opts_.busy_pause);
        continue;
      }
      pending_.reset();  // a busy body shot nothing
      e.message += fmt::format(" (busy on {} attempt(s); the caller retries)", busy_tries);
      return e;
    }
    if (e.code == Errc::no_space) {
      pending_.reset();
      e.message = fmt::format("{}: camera card full: {}", info_.model, e.message);
      return e;
    }
    if (e.code != Errc::disconnected && probe_dead()) {
      e = make_error(Errc::disconnected, "{} (camera gone: reconnect)", e.message);
    }
    if (e.code != Errc::disconnected) pending_.reset();  // nothing to recover from a live body
    return e;
  }
  if (busy_tries) note(fmt::format("camera was busy {} time(s) before the shot", busy_tries));

  std::string primary = binding::join_path(path.folder, path.name);
  if (binding::classify_returned(primary, known_) == binding::Returned::already_known) {
    // Some bodies hand back the previous frame's file (off by one): wait for the new one.
    note(fmt::format("capture returned {} which was already delivered; waiting for the new file",
                     primary));
    // The card listing is authoritative; poll it (a bounded number of times) until the new
    // file shows up.
    std::optional<std::string> fresh;
    for (int poll = 0; poll < 10 && !fresh; ++poll) {
      if (poll > 0) std::this_thread::sleep_for(milliseconds(200));
      std::set<std::string> now;
      TB_TRY(list_card("/", now));
      fresh = binding::first_unknown(now, known_);
    }
    if (!fresh) {
      pending_.reset();
      return make_error(Errc::mismatch,
                        "{}: capture of request {} returned {} again and no new file appeared",
                        info_.model, request_id, primary);
    }
    primary = *fresh;
  }
  pending_->path = primary;
  return finish_capture(primary, {});
}

}  // namespace tb::hal::gphoto2_backend::detail
