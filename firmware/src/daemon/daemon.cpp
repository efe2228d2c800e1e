#include "daemon.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>

#include "idle_sync.hpp"
#include "open_sessions.hpp"
#include "service_notify.hpp"
#include "storage_check.hpp"
#include "tetherbox/capture/resume_config.hpp"
#include "tetherbox/common/log.hpp"
#include "tetherbox/firmware/wiring.hpp"
#include "liveview.hpp"
#include "trigger_buttons.hpp"

namespace tb::daemon {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

std::atomic<bool> g_term{false};
std::atomic<bool> g_reload{false};
std::atomic<Server*> g_server{nullptr};

constexpr size_t kHistory = 1000;
constexpr size_t kPressSamples = 1000;

std::optional<uint64_t> free_bytes(fs::path p) {
  std::error_code ec;
  // The root may not exist yet (created by the first session): its nearest parent tells.
  while (!p.empty() && !fs::exists(p, ec)) p = p.parent_path();
  if (p.empty()) p = ".";
  struct statvfs s {};
  if (statvfs(p.c_str(), &s) != 0) return std::nullopt;
  return static_cast<uint64_t>(s.f_bavail) * s.f_frsize;
}

json opt_num(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

const char* fix_name(hal::FixMode m) {
  switch (m) {
    case hal::FixMode::fix2d:
      return "2d";
    case hal::FixMode::fix3d:
      return "3d";
    default:
      return "none";
  }
}

std::string eta_text(double s) {
  if (s <= 0) return "-";
  int t = static_cast<int>(s + 0.5);
  return t >= 3600 ? fmt::format("{}h{:02}m", t / 3600, t / 60 % 60)
                   : fmt::format("{}m{:02}s", t / 60, t % 60);
}

}  // namespace

void Daemon::on_terminate_signal() {
  g_term.store(true);
  if (auto* s = g_server.load()) s->wake();
}

void Daemon::on_reload_signal() {
  g_reload.store(true);
  if (auto* s = g_server.load()) s->wake();
}

Result<std::unique_ptr<Daemon>> Daemon::create(const DaemonOptions& o) {
  auto lc = load_checked(o.config_path);
  if (!lc) return lc.error();
  std::unique_ptr<Daemon> d(new Daemon(o));
  d->cfg_ = std::move(*lc);
  d->call_limit_ = d->call_limit_for(d->cfg_.cfg);
  {
    std::lock_guard lk(d->mu_);
    d->camera_.backend = d->cfg_.cfg.camera.backend;
    d->camera_.error = "starting";
  }
  // The devices come up on the device thread: READY=1 waits for the config and the socket,
  // not for a sim renderer's textures or a USB bus scan (a camera may not be plugged in yet).
  d->dev_thread_ = std::thread(&Daemon::device_thread, d.get());
  return d;
}

Daemon::~Daemon() {
  {
    std::lock_guard lk(mu_);
    dev_quit_ = true;
  }
  dev_cv_.notify_all();
  if (dev_thread_.joinable()) dev_thread_.join();
  stop_ = true;
  if (session_.joinable()) session_.join();
  release_idle_devices();
  g_server.store(nullptr);
}

fs::path Daemon::storage_root() const {
  return opt_.storage.empty() ? fs::path(cfg_.cfg.storage.root) : fs::path(opt_.storage);
}

// ---- devices -------------------------------------------------------------------------------

void Daemon::wire_idle_devices() {
  // probe_mu_ across the making: a start() that releases the idle devices waits for it, then
  // finds running_ set and the new devices are dropped, so no device ever has two owners.
  std::lock_guard probe(probe_mu_);
  config::Config cfg;
  {
    std::lock_guard lk(mu_);
    if (running_) return;
    cfg = cfg_.cfg;
  }
  std::vector<Error> left_out;
  auto dev = firmware::make_devices(cfg, &left_out);
  std::vector<std::string> errors;
  for (const auto& e : left_out) {
    spdlog::error("device left out: {}; the daemon keeps serving with what works", e.message);
    errors.push_back(e.message);
  }
  if (!dev) {
    spdlog::error("devices: {}", dev.error().message);
    errors.push_back(dev.error().message);
  }
  std::unique_ptr<hal::Devices> d;
  if (dev) {
    d = std::make_unique<hal::Devices>(std::move(*dev));
    if (d->camera)
      d->camera = std::make_unique<WatchedCamera>(std::move(d->camera), call_watch_, nullptr);
  }
  std::lock_guard lk(mu_);
  device_errors_ = errors;
  camera_.backend = cfg.camera.backend;
  if (!d || !d->camera) {
    camera_.connected = false;
    camera_.model.clear();
    camera_.battery_pct.reset();
    for (const auto& e : left_out)
      if (e.message.rfind("camera ", 0) == 0) camera_.error = e.message;
    if (!dev) camera_.error = dev.error().message;
  } else if (!camera_.connected) {
    camera_.error = "not probed yet";
  }
  if (!d || running_) return;
  if (d->gps) d->gps->start();
  if (d->ambient) d->ambient->start();
  if (idle_) {  // a reload's re-wiring raced the first one: the older set goes
    if (idle_->gps) idle_->gps->stop();
    if (idle_->ambient) idle_->ambient->stop();
  }
  idle_ = std::move(d);
  live_gps_ = idle_->gps.get();
  live_ambient_ = idle_->ambient.get();
  live_clock_ = idle_->clock;
  idle_buttons_mode_ = cfg.session.mode == "buttons";
  dev_cv_.notify_all();
}

void Daemon::release_idle_devices() {
  std::unique_ptr<hal::Devices> d;
  {
    std::lock_guard probe(probe_mu_);
    std::lock_guard lk(mu_);
    d = std::move(idle_);
    if (d) {
      live_gps_ = nullptr;
      live_ambient_ = nullptr;
    }
  }
  if (!d) return;
  if (d->gps) d->gps->stop();
  if (d->ambient) d->ambient->stop();
}

// The device thread owns the idle camera: it opens it until it appears (a camera plugged in
// after the daemon started), reads what it is, and closes it again so a session can open it.
void Daemon::probe_camera() {
  std::lock_guard probe(probe_mu_);
  hal::Camera* cam = nullptr;
  {
    std::lock_guard lk(mu_);
    if (idle_) cam = idle_->camera.get();
  }
  if (!cam) return;
  auto info = cam->open();
  std::optional<int> battery;
  if (info) {
    if (auto b = cam->battery_percent()) battery = *b;
  }
  cam->close();
  std::lock_guard lk(mu_);
  if (!idle_ || idle_->camera.get() != cam) return;
  const bool was = camera_.connected;
  if (info) {
    camera_.connected = true;
    camera_.model = info->model;
    camera_.backend = info->backend;
    camera_.port = info->port;
    camera_.battery_pct = battery;
    camera_.error.clear();
    if (!was) spdlog::info("camera {} ({}) connected", info->model, info->backend);
  } else {
    camera_.connected = false;
    camera_.model.clear();
    camera_.battery_pct.reset();
    camera_.error = info.error().message;
    if (was) spdlog::warn("camera lost: {}", info.error().message);
  }
}

bool Daemon::idle_long_press() {
  std::lock_guard probe(probe_mu_);
  hal::Buttons* b = nullptr;
  {
    std::lock_guard lk(mu_);
    if (idle_) b = idle_->buttons.get();
  }
  if (!b) return false;
  auto ev = b->wait_press(std::chrono::milliseconds(100));
  return ev && ev->long_press;
}

void Daemon::device_thread() {
  using std::chrono::milliseconds;
  auto last_probe = std::chrono::steady_clock::time_point{};
  // Until the camera appears: 0.5 s, doubling to 5 s (a camera plugged in is seen within
  // seconds without scanning the bus flat out). Once seen: every 30 s, to notice it went away.
  milliseconds backoff(500);
  std::unique_lock lk(mu_);
  while (!dev_quit_) {
    if (wire_pending_ && !running_) {
      wire_pending_ = false;
      lk.unlock();
      wire_idle_devices();
      lk.lock();
      last_probe = {};
      backoff = milliseconds(500);
      continue;
    }
    if (liveview_job_) {
      // After the wiring (a frame asked for at start waits for the camera to be made). start()
      // refuses while a job is here, so no session has taken the camera meanwhile.
      const LiveviewJob job = *liveview_job_;
      lk.unlock();
      std::string reply = fetch_liveview(job.id, job.backend);
      lk.lock();
      liveview_job_.reset();
      if (auto* srv = reply_server_.load()) srv->post_reply(job.client, std::move(reply));
      continue;
    }
    const auto now = std::chrono::steady_clock::now();
    const auto every = camera_.connected ? milliseconds(30000) : backoff;
    if (idle_ && !running_ && idle_->buttons && idle_buttons_mode_) {
      // Idle field kit: a long press on the board starts a session (the loop thread does).
      lk.unlock();
      const bool start = idle_long_press();
      lk.lock();
      if (start) {
        arm_requested_ = true;
        if (server_) server_->wake();
      }
    }
    if (idle_ && !running_ && now - last_probe >= every) {
      last_probe = now;
      lk.unlock();
      probe_camera();
      lk.lock();
      backoff = camera_.connected ? milliseconds(500) : std::min(backoff * 2, milliseconds(5000));
      continue;
    }
    dev_cv_.wait_for(lk, std::min(milliseconds(500), backoff));
  }
  if (liveview_job_)
    if (auto* srv = reply_server_.load())
      srv->post_reply(liveview_job_->client,
                      reply_error(liveview_job_->id, code::refused, "the daemon is shutting down"));
}

// ---- events --------------------------------------------------------------------------------

void Daemon::emit(const std::string& type, json body) {
  json ev = {{"event", type}, {"utc", format_utc_iso(std::chrono::system_clock::now())}};
  for (auto& [k, v] : body.items()) ev[k] = v;
  {
    std::lock_guard lk(ev_mu_);
    history_.push_back(ev);
    if (history_.size() > kHistory) history_.pop_front();
    pending_events_.push_back(dump_line(ev));
  }
  if (server_) server_->wake();
}

std::chrono::milliseconds Daemon::call_limit_for(const config::Config& c) const {
  if (opt_.camera_call_limit.count() > 0) return opt_.camera_call_limit;
  // A capture exposes for the shutter time (twice with long-exposure noise reduction), then
  // downloads; a minute covers a large RAW over USB 2 and libgphoto2's own retries.
  return std::chrono::milliseconds(60000) +
         std::chrono::milliseconds(static_cast<int64_t>(2000.0 * c.camera.exposure.shutter_s));
}

void Daemon::ping_watchdog() {
  std::lock_guard wl(wd_mu_);
  const auto hung = call_watch_->overdue(std::chrono::steady_clock::now(), call_limit_);
  const auto limit_s = std::chrono::duration<double>(call_limit_).count();
  if (hung) {
    if (!wd_withheld_) {
      wd_withheld_ = true;
      const auto msg = fmt::format(
          "watchdog: camera call {}{} has run {:.1f} s, over its {:.1f} s limit; pings withheld "
          "so systemd restarts the service if it never returns",
          hung->call, hung->request ? fmt::format(" (request {})", hung->request) : "",
          std::chrono::duration<double>(hung->age).count(), limit_s);
      spdlog::error("{}", msg);
      service::notify_status(msg);
    }
    return;
  }
  if (wd_withheld_) {
    wd_withheld_ = false;
    spdlog::warn("watchdog: the camera call returned; pings resume");
    service::notify_status("watchdog: the camera call returned; pings resume");
  }
  service::notify_watchdog();
}

void Daemon::update_service_status() {
  std::string s;
  {
    std::lock_guard lk(mu_);
    if (running_)
      s = fmt::format("session {}: {}/{} frames, {:.2f} fr/s, ETA {}{}", session_name_,
                      progress_.done, progress_.total ? std::to_string(progress_.total) : "?",
                      progress_.frames_per_s, eta_text(progress_.eta_s),
                      pause_ ? " (paused)" : "");
    else
      s = fmt::format("idle; camera {}", camera_.connected ? camera_.model : "not connected");
  }
  std::lock_guard wl(wd_mu_);  // a withheld watchdog's STATUS stays the last word
  if (!wd_withheld_) service::notify_status(s);
}

// ---- sessions ------------------------------------------------------------------------------

std::string Daemon::start(const Request& r, std::optional<LoadedConfig> lc,
                          std::optional<fs::path> resume) {
  if (session_done_) finish_session();
  {
    std::lock_guard lk(mu_);
    if (running_)
      return reply_error(r.id, code::busy,
                         fmt::format("session '{}' is running; stop it first (tetherbox stop)",
                                     session_name_));
    // The session would take the camera from under the frame (and this loop would wait for
    // it to let go).
    if (liveview_job_)
      return reply_error(r.id, code::refused,
                         "a live view frame is being fetched; start again when it has arrived");
  }
  LoadedConfig use = lc ? std::move(*lc) : cfg_;
  const fs::path root =
      opt_.storage.empty() ? fs::path(use.cfg.storage.root) : fs::path(opt_.storage);
  // Refused before anything is written: a read-only, full or uncreatable root would only
  // fail the session's first write.
  if (auto problem = storage_problem(root, use.cfg.storage.reserve_mb, frame_bytes_)) {
    const auto msg = fmt::format("start refused: {}", *problem);
    spdlog::error("{}", msg);
    {
      std::lock_guard lk(mu_);
      start_refused_ = msg;
    }
    emit("fault", {{"message", msg}});
    return reply_error(r.id, code::storage, msg);
  }
  bool strict_devices;
  {
    std::lock_guard lk(mu_);
    running_ = true;  // from here the device thread leaves the devices alone
    wire_pending_ = false;
    strict_devices = !device_errors_.empty();
  }
  // The session wires its own devices from its config, as `tetherbox run` does: the idle ones
  // are closed first so no device has two owners.
  release_idle_devices();
  // A device the idle wiring left out is tried again here, so a still missing one is this
  // request's error, not a session that fails after an `ok`. (Another config's devices are
  // made by the session thread: its failure ends the session with the cause in status.)
  std::unique_ptr<hal::Devices> made;
  if (strict_devices) {
    auto dev = firmware::make_devices(use.cfg);
    if (!dev) {
      const auto msg = fmt::format("start refused: {}; the daemon keeps serving with what works",
                                   dev.error().message);
      spdlog::error("{}", msg);
      {
        std::lock_guard lk(mu_);
        running_ = false;
        wire_pending_ = true;
        start_refused_ = msg;
      }
      dev_cv_.notify_all();
      return reply_error(r.id, code::device, msg);
    }
    made = std::make_unique<hal::Devices>(std::move(*dev));
  }
  const auto free0 = free_bytes(root);
  {
    std::lock_guard lk(mu_);
    session_done_ = false;
    stop_ = false;
    pause_ = false;
    progress_ = {};
    faults_ = 0;
    {
      std::lock_guard pl(press_mu_);
      press_latency_ms_.clear();
    }
    start_refused_.clear();
    device_errors_.clear();
    session_name_ = use.cfg.session.name;
    session_mode_ = use.cfg.session.mode;
    session_bag_ = resume ? resume->string() : "";
    session_cfg_ = use.cfg;
    free_at_start_ = free0.value_or(0);
  }
  {
    std::lock_guard wl(wd_mu_);
    call_limit_ = call_limit_for(use.cfg);
  }
  json body = {{"session", use.cfg.session.name},
               {"mode", use.cfg.session.mode},
               {"config", use.cfg.source_path},
               {"planned", use.preflight.planned_total}};
  if (resume) body["resume"] = resume->string();
  emit("session_start", body);
  spdlog::info("session '{}' starting{}", use.cfg.session.name,
               resume ? " (resuming " + resume->string() + ")" : "");
  session_ = std::thread(&Daemon::session_thread, this, std::move(use), std::move(resume),
                         std::move(made));
  update_service_status();
  body["started"] = true;
  return reply_ok(r.id, body);
}

void Daemon::session_thread(LoadedConfig lc, std::optional<fs::path> resume,
                            std::unique_ptr<hal::Devices> dev) {
  json end;
  // Every line logged while the session runs (this thread, the pipeline's, the samplers')
  // carries TB_SESSION; the camera wrapper adds TB_REQUEST_ID, each frame TB_FRAME.
  log::set_global(log::Field::session, lc.cfg.session.name);
  if (!dev) {
    if (auto made = firmware::make_devices(lc.cfg); !made)
      end = {{"ok", false}, {"error", made.error().message}};
    else
      dev = std::make_unique<hal::Devices>(std::move(*made));
  }
  if (dev) {
    // Made before the camera wrapper, which times its presses without the daemon's lock: a
    // status reply being built must not hold back a trigger.
    TriggerButtons* presses = nullptr;
    if (lc.cfg.session.mode == "buttons") {
      auto tb = std::make_unique<TriggerButtons>(std::move(dev->buttons), dev->clock);
      presses = tb.get();
      std::lock_guard lk(mu_);
      trigger_ = tb.get();
      dev->buttons = std::move(tb);
    }
    if (dev->camera)
      dev->camera = std::make_unique<WatchedCamera>(
          std::move(dev->camera), call_watch_,
          [this](const CameraLink& l) {
            {
              std::lock_guard lk(mu_);
              camera_.connected = l.connected;
              if (l.connected) {
                camera_.model = l.model;
                camera_.error.clear();
              } else {
                camera_.error = l.error;
              }
            }
            if (l.connected)
              spdlog::info("camera {} connected", l.model);
            else
              spdlog::warn("camera not connected: {}", l.error);
            emit("camera", {{"connected", l.connected}, {"model", l.model}, {"error", l.error}});
            update_service_status();
          },
          [this, presses] {
            // A socket press's first capture: press -> camera trigger in host time.
            const auto now = std::chrono::steady_clock::now();
            if (!presses) return;
            if (auto edge = presses->take_handed_edge()) {
              std::lock_guard lk(press_mu_);
              if (press_latency_ms_.size() >= kPressSamples)
                press_latency_ms_.erase(press_latency_ms_.begin());
              press_latency_ms_.push_back(
                  std::chrono::duration<double, std::milli>(now - *edge).count());
            }
          });
    {
      std::lock_guard lk(mu_);
      live_gps_ = dev->gps.get();
      live_ambient_ = dev->ambient.get();
      live_clock_ = dev->clock;
    }
    capture::RunOptions opts;
    opts.out_root = opt_.storage;
    opts.resume = resume;
    opts.preflight = &lc.preflight;
    opts.stop = &stop_;
    opts.pause = &pause_;
    opts.on_progress = [this](const capture::Progress& p) {
      {
        std::lock_guard lk(mu_);
        progress_ = p;
      }
      log::set_global(log::Field::frame, p.last_name);
      emit("frame", {{"done", p.done},
                     {"total", p.total},
                     {"name", p.last_name},
                     {"frames_per_s", p.frames_per_s},
                     {"eta_s", p.eta_s}});
      ping_watchdog();
      update_service_status();
    };
    opts.on_event = [this](const std::string& type, const std::string& msg) {
      if (type == "fault") {
        std::lock_guard lk(mu_);
        ++faults_;
      }
      emit(type, {{"message", msg}});
    };
    auto sum = capture::run_session(lc.cfg, *dev, opts);
    if (!sum) {
      end = {{"ok", false}, {"error", sum.error().message}};
    } else {
      end = {{"ok", true},
             {"bag", sum->bag.string()},
             {"planned", sum->planned},
             {"done", sum->done},
             {"taken_now", sum->taken_now},
             {"faults", sum->faults},
             {"complete", sum->complete && !sum->not_finalized},
             {"buttons", sum->buttons},
             {"brackets", sum->brackets},
             {"ended_by", sum->ended_by},
             {"stopped_by", sum->stopped_by ? json(sum->stopped_by->message) : json(nullptr)},
             {"not_finalized",
              sum->not_finalized ? json(sum->not_finalized->message) : json(nullptr)}};
      // The frame size from the bag itself (originals, sidecars, previews per frame): the
      // free-space drop is shared with every other writer on the disk.
      uint64_t bytes = 0;
      std::error_code ec;
      for (const char* sub : {"frames", "previews"})
        for (fs::recursive_directory_iterator it(sum->bag / "data" / sub, ec), end;
             !ec && it != end; it.increment(ec))
          if (it->is_regular_file(ec)) bytes += it->file_size(ec);
      std::lock_guard lk(mu_);
      session_bag_ = sum->bag.string();
      if (sum->done > 0 && bytes > 0)
        frame_bytes_ = static_cast<double>(bytes) / static_cast<double>(sum->done);
    }
    std::lock_guard lk(mu_);
    trigger_ = nullptr;
    live_gps_ = nullptr;
    live_ambient_ = nullptr;
  }
  end["session"] = lc.cfg.session.name;
  {
    std::lock_guard lk(mu_);
    last_summary_ = end;
  }
  if (end.value("ok", false))
    spdlog::info("session '{}' ended: {} frames in {}", lc.cfg.session.name,
                 end.value("done", size_t{0}), end.value("bag", std::string()));
  else
    spdlog::error("session '{}' failed: {}", lc.cfg.session.name,
                  end.value("error", std::string()));
  dev.reset();  // the session's devices are closed by the thread that owned them
  for (auto f : {log::Field::session, log::Field::frame, log::Field::request_id})
    log::set_global(f, "");
  emit("session_end", end);
  session_done_ = true;
  if (server_) server_->wake();
}

void Daemon::finish_session() {
  if (session_.joinable()) session_.join();
  session_done_ = false;
  {
    std::lock_guard lk(mu_);
    running_ = false;
  }
  if (pending_cfg_) {
    cfg_ = std::move(*pending_cfg_);
    pending_cfg_.reset();
    emit("reload", {{"ok", true}, {"applied", true}, {"config", cfg_.cfg.source_path}});
    spdlog::info("reloaded config applied after the session");
  }
  std::vector<std::string> open;
  for (const auto& b : open_bags(storage_root())) open.push_back(b.dir.string());
  {
    std::lock_guard lk(mu_);
    open_sessions_ = open;
  }
  {
    std::lock_guard wl(wd_mu_);
    call_limit_ = call_limit_for(cfg_.cfg);
  }
  if (!g_term) {
    std::lock_guard lk(mu_);
    wire_pending_ = true;
    dev_cv_.notify_all();
  }
  update_service_status();
}

// Field kit: with session.mode buttons the daemon is armed from the start (a short press
// shoots a bracket) unless a resumed session already runs or an open one waits for the user.
void Daemon::arm_buttons() {
  if (cfg_.cfg.session.mode != "buttons") return;
  {
    std::lock_guard lk(mu_);
    if (running_ || !open_sessions_.empty()) return;
  }
  Request r;
  r.cmd = "start";
  (void)start(r, std::nullopt, std::nullopt);
}

void Daemon::on_open_sessions_at_start() {
  auto open = open_bags(storage_root());
  {
    std::lock_guard lk(mu_);
    open_sessions_.clear();
    for (const auto& b : open) open_sessions_.push_back(b.dir.string());
  }
  for (const auto& b : open) {
    spdlog::warn("open session found: {} ({} frames; not finalized, a crash or power cut); "
                 "continue it with: tetherbox resume-session",
                 b.dir.string(), b.frames);
    emit("open_session", {{"bag", b.dir.string()}, {"frames", b.frames}});
  }
  if (open.size() == 1 && cfg_.cfg.daemon.on_open_session == "resume") {
    Request r;
    r.cmd = "resume-session";
    auto lc = load_checked((open.front().dir / "data" / "session.yaml").string());
    if (!lc) {
      spdlog::error("cannot resume {}: {}", open.front().dir.string(), lc.error().message);
      return;
    }
    (void)start(r, std::move(*lc), open.front().dir);
  }
}

// ---- requests ------------------------------------------------------------------------------

std::string Daemon::reload(const json& id) {
  service::notify_reloading();
  auto lc = load_checked(opt_.config_path);
  service::notify_ready();
  if (!lc) {
    spdlog::error("reload refused, the old config stays in use: {}", lc.error().message);
    emit("reload", {{"ok", false}, {"error", lc.error().message}});
    return reply_error(id, code::config_error,
                       lc.error().message + " (the old config stays in use)");
  }
  bool running;
  config::Config running_cfg;
  {
    std::lock_guard lk(mu_);
    running = running_;
    running_cfg = session_cfg_;
  }
  if (running) {
    auto diff = capture::data_differences(running_cfg, lc->cfg);
    if (!diff.empty()) {
      std::string keys;
      for (const auto& k : diff) keys += (keys.empty() ? "" : ", ") + k;
      const auto msg = fmt::format(
          "reload refused during session '{}': {} would change the running session; reload "
          "when it has ended (the old config stays in use)",
          running_cfg.session.name, keys);
      emit("reload", {{"ok", false}, {"error", msg}, {"keys", diff}});
      return reply_error(id, code::refused, msg);
    }
    pending_cfg_ = std::move(*lc);
    emit("reload", {{"ok", true}, {"applied", false}, {"pending", true}});
    return reply_ok(id, {{"applied", false},
                         {"pending", true},
                         {"message", "valid; applied when the running session ends"}});
  }
  cfg_ = std::move(*lc);
  {
    std::lock_guard wl(wd_mu_);
    call_limit_ = call_limit_for(cfg_.cfg);
  }
  release_idle_devices();
  wire_idle_devices();
  emit("reload", {{"ok", true}, {"applied", true}, {"config", cfg_.cfg.source_path}});
  spdlog::info("config reloaded from {}", cfg_.cfg.source_path);
  json body = {{"applied", true}, {"config", cfg_.cfg.source_path}};
  {
    std::lock_guard lk(mu_);
    if (!device_errors_.empty()) body["device_error"] = device_errors_;
  }
  return reply_ok(id, body);
}

// The idle camera, under the device thread's lock; never during a session, whose exposure is
// locked and whose camera belongs to the session's thread.
std::string Daemon::liveview(const json& id, uint64_t client) {
  {
    std::lock_guard lk(mu_);
    if (running_)
      return reply_error(id, code::refused,
                         fmt::format("live view is off during session '{}' (its sequence is "
                                     "locked); stop it first",
                                     session_name_));
    if (liveview_job_)
      return reply_error(id, code::refused,
                         "a live view frame is being fetched for another client; ask again "
                         "when it has arrived");
    liveview_job_ = LiveviewJob{client, id, cfg_.cfg.camera.backend};
  }
  dev_cv_.notify_all();
  return {};  // posted by the device thread
}

std::string Daemon::fetch_liveview(const json& id, const std::string& backend) {
  std::lock_guard probe(probe_mu_);
  hal::Camera* cam = nullptr;
  {
    std::lock_guard lk(mu_);
    if (idle_) cam = idle_->camera.get();
  }
  if (!cam) return reply_error(id, code::refused, "no camera is wired (see status)");
  auto f = live_frame(*cam, backend, ++liveview_seq_);
  if (!f)
    return reply_error(id,
                       f.error().code == Errc::unsupported || f.error().code == Errc::not_found ||
                               f.error().code == Errc::disconnected || f.error().code == Errc::busy
                           ? code::refused
                           : code::internal,
                       f.error().message);
  return reply_ok(id, {{"width", f->width},
                       {"height", f->height},
                       {"focus", f->focus},
                       {"jpeg_base64", base64(f->jpeg)}});
}

json Daemon::status_json() {
  std::lock_guard lk(mu_);
  json j;
  j["daemon"] = {{"pid", getpid()},
                 {"config", cfg_.cfg.source_path},
                 {"socket", opt_.socket_path},
                 {"pending_reload", pending_cfg_.has_value()}};
  j["camera"] = {{"connected", camera_.connected},
                 {"backend", camera_.backend},
                 {"model", camera_.model},
                 {"port", camera_.port},
                 {"battery_pct", camera_.battery_pct ? json(*camera_.battery_pct) : json(nullptr)},
                 {"error", camera_.error}};
  const auto now = live_clock_ ? live_clock_->now_steady() : std::chrono::steady_clock::now();
  if (live_gps_) {
    auto g = live_gps_->latest();
    json gj = {{"configured", true}, {"backend", cfg_.cfg.gps.backend}};
    if (g) {
      gj["fix"] = fix_name(g->mode);
      gj["lat_deg"] = g->has_fix() ? json(g->lat_deg) : json(nullptr);
      gj["lon_deg"] = g->has_fix() ? json(g->lon_deg) : json(nullptr);
      gj["alt_msl_m"] = opt_num(g->alt_msl_m);
      gj["age_s"] = seconds_between(g->received, now);
    } else {
      gj["fix"] = "none";
      gj["age_s"] = nullptr;
    }
    gj["status"] = live_gps_->status();
    j["gps"] = gj;
  } else {
    j["gps"] = {{"configured", cfg_.cfg.gps.backend != "none"}};
  }
  if (live_ambient_) {
    auto a = live_ambient_->latest();
    json aj = {{"configured", true}, {"backend", cfg_.cfg.ambient.backend}};
    if (a) {
      aj["temperature_c"] = opt_num(a->temperature_c);
      aj["humidity_pct"] = opt_num(a->humidity_pct);
      aj["pressure_hpa"] = opt_num(a->pressure_hpa);
      aj["sensor"] = a->sensor_id;
      aj["age_s"] = seconds_between(a->read_steady, now);
    } else {
      aj["age_s"] = nullptr;
    }
    aj["error"] = live_ambient_->last_error();
    j["ambient"] = aj;
  } else {
    j["ambient"] = {{"configured", cfg_.cfg.ambient.backend != "none"}};
  }
  const auto root = storage_root();
  const auto free = free_bytes(root);
  const double reserve = static_cast<double>(cfg_.cfg.storage.reserve_mb) * 1048576.0;
  j["disk"] = {{"root", root.string()},
               {"free_bytes", free ? json(*free) : json(nullptr)},
               {"reserve_bytes", reserve},
               {"frame_bytes", frame_bytes_ > 0 ? json(frame_bytes_) : json(nullptr)}};
  // Idle only: during a session the runner owns the disk's verdict (it stops on no_space).
  const auto problem =
      running_ ? std::nullopt : storage_problem(root, cfg_.cfg.storage.reserve_mb, frame_bytes_);
  j["disk"]["error"] = problem ? json(*problem) : json(nullptr);
  // Frames the disk still holds above the reserve, at the current frame size: the live
  // session's own average when it has one, else the last session's.
  double per = frame_bytes_;
  if (running_ && free && progress_.done > 0 && free_at_start_ > *free) {
    // progress_.done counts earlier runs' frames on a resume; taken-now is not exposed, so
    // the estimate leans low (safe side) on a resume.
    per = static_cast<double>(free_at_start_ - *free) / static_cast<double>(progress_.done);
    j["disk"]["frame_bytes"] = per;
  }
  if (free && per > 0)
    j["disk"]["frames_left"] =
        static_cast<uint64_t>(std::max(0.0, (static_cast<double>(*free) - reserve) / per));
  else
    j["disk"]["frames_left"] = nullptr;
  std::string state = "idle";
  if (running_) state = stop_ ? "stopping" : pause_ ? "paused" : "running";
  json s = {{"state", state}};
  if (running_) {
    s["name"] = session_name_;
    s["mode"] = session_mode_;
    s["done"] = progress_.done;
    s["total"] = progress_.total;
    s["frames_per_s"] = progress_.frames_per_s;
    s["eta_s"] = progress_.eta_s;
    s["faults"] = faults_;
    s["last_name"] = progress_.last_name;
    if (!session_bag_.empty()) s["bag"] = session_bag_;
  }
  std::vector<double> v;
  {
    std::lock_guard pl(press_mu_);
    v = press_latency_ms_;
  }
  if (!v.empty()) {
    std::sort(v.begin(), v.end());
    auto at = [&](double p) {
      return v[std::min(v.size() - 1,
                        static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5))];
    };
    s["press_to_trigger_ms"] = {{"n", v.size()}, {"p50", at(0.5)}, {"p99", at(0.99)}};
  }
  j["session"] = s;
  j["devices"] = {{"left_out", device_errors_}};
  if (!start_refused_.empty()) j["last_start_refused"] = start_refused_;
  j["last_session"] = last_summary_.is_null() ? json(nullptr) : last_summary_;
  j["open_sessions"] = open_sessions_;
  // Issue 13: where each finished bag lives, and the idle sync's state.
  if (idle_sync_) j["sync"] = idle_sync_->status_json();
  json bags = json::array();
  for (const auto& b : list_bags(storage_root()))
    if (b.state == "complete" || b.state == "incomplete")
      bags.push_back({{"bag", b.dir.string()}, {"places", bag_places(b.dir)}});
  j["bags"] = bags;
  return j;
}

json Daemon::sessions_json() {
  json list = json::array();
  for (const auto& b : list_bags(storage_root()))
    list.push_back({{"bag", b.dir.string()}, {"state", b.state}, {"frames", b.frames}});
  return {{"root", storage_root().string()}, {"sessions", list}};
}

std::string Daemon::handle(const Request& r, const Peer& peer, bool* subscribe,
                           uint64_t client) {
  spdlog::debug("request {} from uid {} pid {}: {}", r.id.dump(), peer.uid, peer.pid, r.cmd);
  const auto& a = r.args;
  if (r.cmd == "status") return reply_ok(r.id, status_json());
  if (r.cmd == "sessions") return reply_ok(r.id, sessions_json());
  if (r.cmd == "subscribe") {
    *subscribe = true;
    return reply_ok(r.id, {{"subscribed", true}});
  }
  if (r.cmd == "log") {
    const auto n = a.value("lines", 50);
    if (n < 1 || n > static_cast<int>(kHistory))
      return reply_error(r.id, code::bad_args, fmt::format("log: lines must be 1..{}", kHistory));
    json evs = json::array();
    std::lock_guard lk(ev_mu_);
    const size_t skip = history_.size() > static_cast<size_t>(n) ? history_.size() - n : 0;
    for (size_t i = skip; i < history_.size(); ++i) evs.push_back(history_[i]);
    return reply_ok(r.id, {{"events", evs}});
  }
  if (r.cmd == "reload") return reload(r.id);
  if (r.cmd == "liveview") return liveview(r.id, client);
  if (r.cmd == "start") {
    if (g_term) return reply_error(r.id, code::refused, "the daemon is shutting down");
    std::optional<LoadedConfig> lc;
    if (a.contains("config")) {
      const auto path = a["config"].get<std::string>();
      if (!fs::path(path).is_absolute())
        return reply_error(r.id, code::bad_args,
                           "start: config must be an absolute path (the daemon's working "
                           "directory is not the client's)");
      auto loaded = load_checked(path);
      if (!loaded) return reply_error(r.id, code::config_error, loaded.error().message);
      lc = std::move(*loaded);
    }
    return start(r, std::move(lc), std::nullopt);
  }
  if (r.cmd == "resume-session") {
    if (g_term) return reply_error(r.id, code::refused, "the daemon is shutting down");
    fs::path bag;
    if (a.contains("bag")) {
      bag = a["bag"].get<std::string>();
    } else {
      auto open = open_bags(storage_root());
      if (open.empty())
        return reply_error(r.id, code::no_session,
                           fmt::format("no open session in {}", storage_root().string()));
      if (open.size() > 1) {
        std::string names;
        for (const auto& b : open) names += (names.empty() ? "" : ", ") + b.dir.string();
        return reply_error(r.id, code::refused,
                           fmt::format("{} open sessions ({}); name one with --bag",
                                       open.size(), names));
      }
      bag = open.front().dir;
    }
    auto lc = load_checked((bag / "data" / "session.yaml").string());
    if (!lc)
      return reply_error(r.id, code::config_error,
                         fmt::format("{}: cannot load the bag's own config: {}", bag.string(),
                                     lc.error().message));
    return start(r, std::move(*lc), bag);
  }
  const bool long_press = r.cmd == "trigger" && a.value("long", false);
  if (long_press && cfg_.cfg.session.mode == "buttons") {
    bool idle;
    {
      std::lock_guard lk(mu_);
      idle = !running_;
    }
    if (idle) return start(r, std::nullopt, std::nullopt);  // field kit: a long press starts
  }
  std::lock_guard lk(mu_);
  if (!running_) {
    if (r.cmd == "trigger" && cfg_.cfg.session.mode == "buttons")
      return reply_error(r.id, code::no_session,
                         "no session is armed; a long press (tetherbox trigger --long) or "
                         "tetherbox start begins one");
    return reply_error(r.id, code::no_session, fmt::format("{}: no session is running", r.cmd));
  }
  if (r.cmd == "stop") {
    stop_ = true;
    emit("stopping", {{"session", session_name_}});
    return reply_ok(r.id, {{"stopping", true}, {"session", session_name_}});
  }
  if (r.cmd == "pause") {
    const bool on = a.value("on", true);
    pause_ = on;
    emit(on ? "paused" : "continued", {{"session", session_name_}});
    return reply_ok(r.id, {{"paused", on}, {"session", session_name_}});
  }
  if (r.cmd == "trigger") {
    // A buttons session whose devices are still coming up has no trigger yet: say so, rather
    // than call it an orbit session.
    if (!trigger_ && session_mode_ == "buttons")
      return reply_error(r.id, code::refused,
                         fmt::format("session '{}' is still starting (its devices are coming "
                                     "up); press again in a moment",
                                     session_name_));
    if (!trigger_)
      return reply_error(r.id, code::refused,
                         fmt::format("session '{}' is a {} session; trigger is for buttons "
                                     "sessions",
                                     session_name_, session_mode_));
    trigger_->press("trigger", long_press);
    return reply_ok(r.id, {{"pressed", true}, {"long", long_press}});
  }
  return reply_error(r.id, code::internal, "unhandled command " + r.cmd);
}

void Daemon::housekeeping() {
  if (g_reload.exchange(false)) (void)reload(nullptr);
  if (g_term && !stopping_) {
    stopping_ = true;
    stop_ = true;
    service::notify_stopping();
    spdlog::info("stopping: the frame in flight is finished and the bag closed");
  }
  if (session_done_) finish_session();
  if (!idle_sync_) idle_sync_ = std::make_unique<IdleSync>();
  if (g_term) {
    idle_sync_->stop();
  } else {
    bool running = false;
    {
      std::lock_guard lk(mu_);
      running = running_;
    }
    idle_sync_->poll(cfg_.cfg, storage_root(), running);
  }
  if (arm_requested_.exchange(false) && !g_term) {
    Request r;
    r.cmd = "start";
    (void)start(r, std::nullopt, std::nullopt);
  }
  std::deque<std::string> evs;
  {
    std::lock_guard lk(ev_mu_);
    evs.swap(pending_events_);
  }
  for (const auto& e : evs) server_->broadcast(e);
}

int Daemon::serve(Server& server) {
  server_ = &server;
  g_server.store(&server);
  on_open_sessions_at_start();
  arm_buttons();
  service::notify_ready();
  update_service_status();
  spdlog::info("tetherboxd ready on {} (config {})", server.path(), cfg_.cfg.source_path);
  Server::Hooks h;
  reply_server_ = &server;
  h.handle = [this](const Request& r, const Peer& p, bool* sub, uint64_t client) {
    return handle(r, p, sub, client);
  };
  h.on_wake = [this] { housekeeping(); };
  h.tick = [this] {
    housekeeping();
    ping_watchdog();
  };
  h.quit = [this] {
    std::lock_guard lk(mu_);
    return g_term.load() && !running_;
  };
  server.run(h);
  housekeeping();
  server_ = nullptr;
  g_server.store(nullptr);
  return 0;
}

}  // namespace tb::daemon
