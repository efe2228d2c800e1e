#include "tetherbox/capture/quality_stage.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <exception>

namespace tb::capture::quality {

Stage::Stage(Monitor& monitor, JournalFn journal, PushFn push, size_t max_queue)
    : monitor_(monitor),
      journal_(std::move(journal)),
      push_(std::move(push)),
      max_queue_(std::max<size_t>(1, max_queue)),
      thread_([this] { worker(); }) {}

Stage::~Stage() {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Result<std::shared_future<Outcome>> Stage::submit(PipelineJob job, std::string retake_name) {
  // With the "checked" line below: how far the checks lag behind the camera (scripts/bench
  // reads both from a debug log).
  spdlog::debug("quality: frame {} ({}) queued", job.record.seq, job.record.name);
  std::unique_lock lk(mu_);
  cv_.wait(lk, [&] { return queue_.size() < max_queue_ || error_; });
  if (error_) return *error_;
  Item item{std::move(job), std::move(retake_name), {}};
  std::shared_future<Outcome> f = item.done.get_future().share();
  queue_.push_back(std::move(item));
  lk.unlock();
  cv_.notify_all();
  return f;
}

Status Stage::drain() {
  std::unique_lock lk(mu_);
  cv_.wait(lk, [&] { return queue_.empty() && !busy_; });
  if (error_) return *error_;
  return ok_status();
}

std::optional<Error> Stage::stop_requested() const {
  std::lock_guard lk(mu_);
  return stop_;
}

Outcome Stage::check(PipelineJob& job, const std::string& retake_name) {
  FrameRecord& r = job.record;
  Verdict v = monitor_.on_captured(r, job.capture);
  Outcome out;
  out.blurred = v.blurred;
  out.stop = v.stop;
  if (v.blurred) {
    // The frame is kept either way; its record says whether another frame replaces it.
    if (!retake_name.empty()) {
      r.superseded_by = retake_name;
      monitor_.note_retaken();
      v.faults.insert(v.faults.begin(), v.blur_fault + "; retaken in place as " + retake_name);
    } else {
      v.faults.insert(
          v.faults.begin(),
          v.blur_fault + (r.retake_number > 0 ? "; not retaken again (quality.max_retakes reached)"
                                              : "; not retaken"));
    }
  }
  for (const auto& msg : v.faults) {
    spdlog::warn("frame {} ({}): {}", r.seq, r.name, msg);
    r.faults.push_back(msg);
    journal_({{"type", "fault"}, {"seq", r.seq}, {"request_id", r.request_id}, {"message", msg}});
  }
  for (const auto& msg : v.warnings) {
    spdlog::warn("frame {} ({}): {}", r.seq, r.name, msg);
    journal_({{"type", "warning"}, {"seq", r.seq}, {"request_id", r.request_id}, {"message", msg}});
  }
  spdlog::debug("quality: frame {} ({}) checked", r.seq, r.name);
  return out;
}

void Stage::worker() {
  for (;;) {
    std::unique_lock lk(mu_);
    cv_.wait(lk, [&] { return !queue_.empty() || stopping_; });
    if (queue_.empty()) return;  // stopping, nothing left
    Item item = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lk.unlock();
    cv_.notify_all();  // a submit waiting for room

    Outcome out;
    Status pushed;
    // Exceptions stay inside the module: a check that throws leaves the frame unmeasured, it
    // is still made durable, and the session stops with the reason.
    try {
      out = check(item.job, item.retake_name);
    } catch (const std::exception& e) {
      out.stop = Error{Errc::internal, fmt::format("quality check of frame {} failed: {}",
                                                   item.job.record.name, e.what())};
    }
    item.done.set_value(out);  // the camera may go on while the frame is stored
    pushed = push_(std::move(item.job));

    lk.lock();
    if (out.stop && !stop_) stop_ = out.stop;
    if (!pushed.ok() && !error_) error_ = pushed.error();
    busy_ = false;
    lk.unlock();
    cv_.notify_all();
  }
}

}  // namespace tb::capture::quality
