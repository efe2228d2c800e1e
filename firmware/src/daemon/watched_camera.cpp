#include "watched_camera.hpp"

#include "tetherbox/common/log.hpp"

namespace tb::daemon {

void CallWatch::begin(const char* call, uint64_t request, clock::time_point now) {
  std::lock_guard lk(mu_);
  active_ = true;
  call_ = call;
  request_ = request;
  since_ = now;
}

void CallWatch::end() {
  std::lock_guard lk(mu_);
  active_ = false;
}

std::optional<CallWatch::InFlight> CallWatch::overdue(clock::time_point now,
                                                      clock::duration limit) const {
  std::lock_guard lk(mu_);
  if (!active_ || now - since_ <= limit) return std::nullopt;
  return InFlight{call_, request_, now - since_};
}

WatchedCamera::WatchedCamera(std::unique_ptr<hal::Camera> inner, std::shared_ptr<CallWatch> watch,
                             std::function<void(const CameraLink&)> on_link,
                             std::function<void()> on_capture)
    : inner_(std::move(inner)),
      watch_(std::move(watch)),
      on_link_(std::move(on_link)),
      on_capture_(std::move(on_capture)) {}

template <typename F>
auto WatchedCamera::watched(const char* call, uint64_t request, F&& f) {
  watch_->begin(call, request);
  auto r = f();
  watch_->end();
  if (r.ok())
    saw_ok();
  else
    saw(r.error());
  return r;
}

// Only a disconnect (or, at open, no camera found) says the body is off the bus; busy, refused
// values and I/O hiccups leave the link as it was. Reported on a change only.
void WatchedCamera::saw(const Error& e) {
  if (e.code != Errc::disconnected && e.code != Errc::not_found) return;
  if (link_ == Link::down) return;
  link_ = Link::down;
  if (on_link_) on_link_({false, "", e.message});
}

void WatchedCamera::saw_ok() {
  if (link_ == Link::up || model_.empty()) return;
  link_ = Link::up;
  if (on_link_) on_link_({true, model_, ""});
}

Result<hal::CameraInfo> WatchedCamera::open() {
  watch_->begin("open", 0);
  auto r = inner_->open();
  watch_->end();
  if (r) {
    model_ = r->model;
    saw_ok();
  } else {
    saw(r.error());
  }
  return r;
}

void WatchedCamera::close() {
  watch_->begin("close", 0);
  inner_->close();
  watch_->end();
}

Status WatchedCamera::set_exposure(const hal::ExposureSettings& e) {
  return watched("set_exposure", 0, [&] { return inner_->set_exposure(e); });
}

Result<hal::ExposureSettings> WatchedCamera::read_exposure() {
  return watched("read_exposure", 0, [&] { return inner_->read_exposure(); });
}

Status WatchedCamera::lock_automatics() {
  return watched("lock_automatics", 0, [&] { return inner_->lock_automatics(); });
}

Result<std::optional<double>> WatchedCamera::sync_clock(UtcTime utc) {
  return watched("sync_clock", 0, [&] { return inner_->sync_clock(utc); });
}

Status WatchedCamera::drain() {
  return watched("drain", 0, [&] { return inner_->drain(); });
}

Result<hal::CaptureResult> WatchedCamera::capture(uint64_t request_id) {
  // Global, not a Scope: the pipeline thread's lines about this frame carry it too.
  log::set_global(log::Field::request_id, std::to_string(request_id));
  if (on_capture_) on_capture_();
  return watched("capture", request_id, [&] { return inner_->capture(request_id); });
}

Status WatchedCamera::reconnect() {
  return watched("reconnect", 0, [&] { return inner_->reconnect(); });
}

Result<int> WatchedCamera::battery_percent() {
  return watched("battery_percent", 0, [&] { return inner_->battery_percent(); });
}

Result<std::vector<uint8_t>> WatchedCamera::capture_preview() {
  return watched("capture_preview", 0, [&] { return inner_->capture_preview(); });
}

}  // namespace tb::daemon
