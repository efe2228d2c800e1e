// The gphoto2 Camera: session, settings, capture binding and the recovery ladder.
#include <fmt/format.h>
#include <gphoto2/gphoto2-abilities-list.h>
#include <gphoto2/gphoto2-port-info-list.h>
#include <gphoto2/gphoto2-port-result.h>
#include <gphoto2/gphoto2-port.h>
#include <gphoto2/gphoto2-result.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cmath>
#include <ctime>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "gp_session.hpp"
#include "tetherbox/hal/gphoto2/gp_errors.hpp"
#include "tetherbox/hal/gphoto2/gphoto2_camera.hpp"
#include "tetherbox/hal/gphoto2/widget_logic.hpp"

namespace tb::hal::gphoto2_backend {
namespace {

// gp_port_reset on the port the body was last seen at (libusb_reset_device underneath).
Status reset_usb_port(const std::string& path) {
  GPPortInfoList* list = nullptr;
  if (gp_port_info_list_new(&list) < GP_OK) return make_error(Errc::internal, "no port list");
  std::unique_ptr<GPPortInfoList, int (*)(GPPortInfoList*)> list_guard(list,
                                                                       gp_port_info_list_free);
  if (gp_port_info_list_load(list) < GP_OK)
    return make_error(Errc::io, "cannot load libgphoto2 port drivers");
  const int idx = gp_port_info_list_lookup_path(list, path.c_str());
  GPPortInfo info;
  if (idx < GP_OK || gp_port_info_list_get_info(list, idx, &info) < GP_OK)
    return make_error(Errc::not_found, "port {} not found", path);
  GPPort* port = nullptr;
  if (gp_port_new(&port) < GP_OK) return make_error(Errc::internal, "gp_port_new failed");
  std::unique_ptr<GPPort, int (*)(GPPort*)> port_guard(port, gp_port_free);
  int r = gp_port_set_info(port, info);
  if (r >= GP_OK) r = gp_port_open(port);
  if (r >= GP_OK) {
    r = gp_port_reset(port);
    gp_port_close(port);
  }
  if (r < GP_OK) return make_error(Errc::io, "port {}: {}", path, gp_port_result_as_string(r));
  return {};
}

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::string join_path(const std::string& folder, const std::string& name) {
  return folder == "/" ? "/" + name : folder + "/" + name;
}

std::pair<std::string, std::string> split_path(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == 0) return {"/", path.substr(1)};
  return {path.substr(0, slash), path.substr(slash + 1)};
}

std::string basename_no_ext(const std::string& name) {
  auto dot = name.rfind('.');
  return dot == std::string::npos ? name : name.substr(0, dot);
}

std::string lower_ext(const std::string& name) {
  auto dot = name.rfind('.');
  std::string ext = dot == std::string::npos ? "" : name.substr(dot + 1);
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext;
}

std::string mime_for_ext(const std::string& ext) {
  static const std::map<std::string, std::string> table{
      {"jpg", "image/jpeg"},          {"jpeg", "image/jpeg"},
      {"dng", "image/x-adobe-dng"},   {"nef", "image/x-nikon-nef"},
      {"cr2", "image/x-canon-cr2"},   {"cr3", "image/x-canon-cr3"},
      {"arw", "image/x-sony-arw"},    {"raf", "image/x-fuji-raf"},
      {"orf", "image/x-olympus-orf"}, {"rw2", "image/x-panasonic-rw2"},
      {"heif", "image/heif"},         {"tif", "image/tiff"}};
  auto it = table.find(ext);
  return it == table.end() ? "application/octet-stream" : it->second;
}

// The frame a capture call is answering, kept across a disconnect so that reconnect() can
// find what the body wrote before the link dropped and capture() can deliver it exactly once.
struct PendingCapture {
  uint64_t request_id = 0;
  std::optional<std::string> path;     // from gp_camera_capture, when it returned
  std::vector<std::string> recovered;  // found on the card after reconnect
  UtcTime trigger_utc{};
  double trigger_uncertainty_s = 0;
};

class GphotoCamera final : public tb::hal::Camera {
 public:
  GphotoCamera(const config::Config& cfg, Options opts) : cfg_(cfg.camera), opts_(std::move(opts)) {
    for (const auto& l : cfg.lighting.lights) {
      light_kelvin_ = l.colour_temp_k;
      break;
    }
  }
  ~GphotoCamera() override { close(); }

  Result<CameraInfo> open() override;
  void close() override;
  Status set_exposure(const ExposureSettings& e) override;
  Result<ExposureSettings> read_exposure() override;
  Status lock_automatics() override;
  Result<std::optional<double>> sync_clock(UtcTime utc) override;
  Status drain() override;
  Result<CaptureResult> capture(uint64_t request_id) override;
  Status reconnect() override;

 private:
  // --- device lock: one owner at a time, others refused at once
  std::unique_lock<std::mutex> try_own(const char* what, Error* refused);

  // --- session
  Status connect_once(const DetectedCamera& want);
  Status connect_with_wait(std::chrono::milliseconds budget);
  void teardown();
  Status resolve_widgets();
  Error fail(int rc, const std::string& what, bool during_capture = false);
  void trace(std::string_view call) const {
    if (opts_.on_gp_call) opts_.on_gp_call(call);
  }
  bool probe_dead();  // true when the session is gone (marks it dead)

  // --- widgets
  Result<std::string> read_text(const std::string& name);
  Status write_choice(Setting s, const std::string& name, const std::string& choice);
  Status apply_exposure(const ExposureSettings& e);
  Status apply_session_settings();
  Result<ExposureSettings> read_exposure_now();
  void note(std::string text);

  // --- files
  Status list_card(const std::string& folder, std::set<std::string>& out, int depth = 0);
  Result<CapturedFile> download(const std::string& path, double& seconds);
  Status download_with_retry(const std::string& path, CaptureResult& out);
  Status drain_events(std::chrono::milliseconds per_wait, std::chrono::milliseconds budget,
                      const std::string& primary, CaptureResult* out);
  Result<CaptureResult> finish_capture(const std::string& primary,
                                       std::vector<std::string> companions);
  Result<CaptureResult> recover_pending(uint64_t request_id);

  config::Camera cfg_;
  Options opts_;
  double light_kelvin_ = 5500.0;

  std::mutex device_mu_;
  std::atomic<uint64_t> in_flight_{0};

  std::unique_ptr<GpContext> ctx_;
  ::Camera* cam_ = nullptr;
  CameraAbilitiesList* abilities_ = nullptr;
  GPPortInfoList* ports_ = nullptr;
  bool dead_ = false;
  CameraInfo info_;
  std::map<Setting, std::string> widget_names_;

  std::optional<ExposureSettings> commanded_;
  ExposureSettings reported_;
  bool reported_valid_ = false;
  bool reported_dirty_ = true;
  bool automatics_locked_ = false;

  std::set<std::string> known_;  // card paths on the card at open, delivered, or stray
  std::optional<PendingCapture> pending_;
  std::vector<std::string> notes_;  // attached to the next capture result
  std::set<std::string> noted_once_;
};

// ---------------------------------------------------------------- device lock

std::unique_lock<std::mutex> GphotoCamera::try_own(const char* what, Error* refused) {
  std::unique_lock<std::mutex> lock(device_mu_, std::try_to_lock);
  if (!lock.owns_lock()) {
    uint64_t req = in_flight_.load();
    *refused = make_error(Errc::busy,
                          "{}: {} refused: another thread is using the camera{} (one thread owns "
                          "the device; retry after it returns)",
                          "gphoto2 camera", what,
                          req ? fmt::format(" (capture of request {} in flight)", req) : "");
  }
  return lock;
}

// ---------------------------------------------------------------- session

Error GphotoCamera::fail(int rc, const std::string& what, bool during_capture) {
  Error e = gp_error(rc, info_.model.empty() ? "gphoto2" : info_.model, what, ctx_->errors(),
                     during_capture);
  if (e.code == Errc::disconnected) dead_ = true;
  return e;
}

bool GphotoCamera::probe_dead() {
  if (dead_ || !cam_) return true;
  CameraStorageInformation* si = nullptr;
  int n = 0;
  ctx_->begin();
  int rc = gp_camera_get_storageinfo(cam_, &si, &n, ctx_->get());
  if (rc == GP_OK) free(si);  // NOLINT: libgphoto2 allocates with malloc
  if (rc == GP_ERROR_IO_USB_FIND || rc == GP_ERROR_IO ||
      errc_for_gp(rc, ctx_->errors(), false) == Errc::disconnected) {
    dead_ = true;
  }
  return dead_;
}

void GphotoCamera::teardown() {
  if (cam_) {
    ctx_->begin();
    gp_camera_exit(cam_, ctx_->get());
    gp_camera_free(cam_);
    cam_ = nullptr;
  }
  if (ports_) {
    gp_port_info_list_free(ports_);
    ports_ = nullptr;
  }
}

Status GphotoCamera::connect_once(const DetectedCamera& want) {
  teardown();
  if (!abilities_) {
    gp_abilities_list_new(&abilities_);
    ctx_->begin();
    int rc = gp_abilities_list_load(abilities_, ctx_->get());
    if (rc < GP_OK) return fail(rc, "loading camera drivers");
  }
  gp_port_info_list_new(&ports_);
  if (int rc = gp_port_info_list_load(ports_); rc < GP_OK) return fail(rc, "loading port drivers");

  // A Camera whose init failed is spoiled for later calls: always a fresh one per attempt.
  gp_camera_new(&cam_);
  int mi = gp_abilities_list_lookup_model(abilities_, want.model.c_str());
  if (mi < GP_OK) return fail(mi, fmt::format("looking up model '{}'", want.model));
  CameraAbilities abilities;
  gp_abilities_list_get_abilities(abilities_, mi, &abilities);
  gp_camera_set_abilities(cam_, abilities);
  int pi = gp_port_info_list_lookup_path(ports_, want.port.c_str());
  if (pi < GP_OK) return fail(pi, fmt::format("looking up port '{}'", want.port));
  GPPortInfo port;
  gp_port_info_list_get_info(ports_, pi, &port);
  gp_camera_set_port_info(cam_, port);

  ctx_->begin();
  trace("gp_camera_init");
  int rc = gp_camera_init(cam_, ctx_->get());
  if (rc < GP_OK) {
    Error e = fail(rc, fmt::format("opening '{}' at {}", want.model, want.port));
    gp_camera_free(cam_);
    cam_ = nullptr;
    return e;
  }
  dead_ = false;
  info_.model = want.model;
  info_.port = want.port;
  return resolve_widgets();
}

Status GphotoCamera::resolve_widgets() {
  WidgetHolder root;
  ctx_->begin();
  int rc = gp_camera_get_config(cam_, &root.w, ctx_->get());
  if (rc < GP_OK) return fail(rc, "reading the configuration tree");
  widget_names_.clear();
  for (Setting s :
       {Setting::shutter, Setting::aperture, Setting::iso, Setting::ev_comp, Setting::image_format,
        Setting::white_balance, Setting::capture_target, Setting::exposure_program,
        Setting::autofocus, Setting::focus_mode, Setting::datetime}) {
    if (auto f = find_widget(root.w, s)) widget_names_[s] = f->name;
  }
  auto text_of = [&](const char* name) -> std::string {
    CameraWidget* w = nullptr;
    if (gp_widget_get_child_by_name(root.w, name, &w) != GP_OK) return {};
    return widget_text(w).value_or("");
  };
  info_.serial = text_of("serialnumber");
  info_.lens = text_of("lensname");
  info_.can_set_iso = widget_names_.count(Setting::iso) > 0;
  info_.can_raw = false;
  if (auto f = find_widget(root.w, Setting::image_format)) {
    info_.can_raw = pick_image_format(widget_choices(f->widget), "raw").has_value();
  }
  return ok_status();
}

Status GphotoCamera::connect_with_wait(std::chrono::milliseconds budget) {
  auto deadline = Clock::now() + budget;
  // A real body comes back at a new device number: detect again and match the model (and the
  // serial when known), not the remembered port.
  std::string model = !info_.model.empty() ? info_.model : cfg_.select.model;
  std::string want_serial = !info_.serial.empty() ? info_.serial : cfg_.select.serial;
  Error last = make_error(Errc::disconnected, "camera '{}' not found on USB", model);
  for (;;) {
    trace("detect");
    auto found = detect_cameras();
    if (!found.ok()) {
      last = found.error();
    } else {
      std::vector<DetectedCamera> cams = *found;
      std::erase_if(cams,
                    [&](const DetectedCamera& c) { return !model.empty() && c.model != model; });
      // the previous port first: with several bodies of one model it is most likely ours
      std::stable_partition(cams.begin(), cams.end(),
                            [&](const DetectedCamera& c) { return c.port == info_.port; });
      if (cams.empty())
        last = make_error(Errc::disconnected, "camera '{}' not found on USB", model);
      for (const auto& c : cams) {
        auto st = connect_once(c);
        if (st.ok() && (want_serial.empty() || info_.serial == want_serial)) return ok_status();
        if (st.ok()) {
          last = make_error(Errc::not_found, "camera at {} has serial '{}', wanted '{}'", c.port,
                            info_.serial, want_serial);
          teardown();
        } else {
          last = st.error();
        }
      }
    }
    if (Clock::now() + milliseconds(100) > deadline) break;
    std::this_thread::sleep_for(milliseconds(100));
  }
  return last;
}

Result<CameraInfo> GphotoCamera::open() {
  Error refused;
  auto lock = try_own("open", &refused);
  if (!lock) return refused;
  if (!ctx_) ctx_ = std::make_unique<GpContext>();
  if (cam_ && !dead_) return info_;

  auto found = detect_cameras();
  if (!found.ok()) return found.error();
  std::vector<DetectedCamera> cams = *found;
  auto chosen = choose_camera(cams, config::CameraSelect{cfg_.select.model, "", cfg_.select.port});
  if (!cfg_.select.serial.empty()) {
    // The serial is only known once a body is open: try each candidate in turn.
    std::optional<Error> last =
        make_error(Errc::not_found,
                   "no attached camera matches camera.select (model '{}', serial '{}', port '{}')",
                   cfg_.select.model, cfg_.select.serial, cfg_.select.port);
    for (const auto& c : cams) {
      if (!cfg_.select.model.empty() && c.model != cfg_.select.model) continue;
      if (!cfg_.select.port.empty() && c.port != cfg_.select.port) continue;
      if (connect_once(c).ok() && info_.serial == cfg_.select.serial) {
        last.reset();
        break;
      }
      teardown();
      last = make_error(Errc::not_found, "no attached camera has serial '{}'", cfg_.select.serial);
    }
    if (cams.empty()) return choose_camera(cams, cfg_.select).error();
    if (last) return *last;
  } else {
    if (!chosen.ok()) return chosen.error();
    TB_TRY(connect_once(*chosen));
  }
  info_.backend = "gphoto2";

  // What is on the card now is not ours: never bind it to a request.
  known_.clear();
  TB_TRY(list_card("/", known_));
  spdlog::info("gphoto2: opened '{}' at {} (serial '{}', {} files on card, ISO widget: {})",
               info_.model, info_.port, info_.serial, known_.size(),
               info_.can_set_iso ? widget_names_[Setting::iso] : "none");
  return info_;
}

void GphotoCamera::close() {
  std::lock_guard<std::mutex> lock(device_mu_);
  if (!ctx_) return;
  teardown();
  if (abilities_) {
    gp_abilities_list_free(abilities_);
    abilities_ = nullptr;
  }
}

Status GphotoCamera::reconnect() {
  Error refused;
  auto lock = try_own("reconnect", &refused);
  if (!lock) return refused;
  if (!ctx_) return make_error(Errc::invalid, "gphoto2: reconnect before open");
  std::string was = info_.model.empty() ? "camera" : info_.model;
  teardown();
  auto st = connect_with_wait(opts_.reappear_timeout);
  if (!st.ok() && !info_.port.empty()) {
    // Second rung: a USB reset of the port revives a body whose link is wedged but enumerated.
    trace("gp_port_reset");
    auto reset = reset_usb_port(info_.port);
    note(reset.ok() ? fmt::format("USB port {} reset", info_.port)
                    : fmt::format("USB port reset failed: {}", reset.error().message));
    if (reset.ok()) st = connect_with_wait(opts_.reappear_timeout);
  }
  if (!st.ok() && opts_.power_cycle) {
    spdlog::warn("gphoto2: {} did not come back ({}); power-cycling it", was, st.error().message);
    TB_TRY(opts_.power_cycle());
    note(fmt::format("camera power-cycled after: {}", st.error().message));
    st = connect_with_wait(opts_.power_cycle_boot_timeout);
  }
  if (!st.ok()) {
    dead_ = true;
    return make_error(Errc::disconnected, "{}: reconnect failed: {}", was, st.error().message);
  }
  TB_TRY(apply_session_settings());

  if (pending_) {
    // The body keeps what it wrote before the link dropped: find the cut-short frame.
    std::set<std::string> now;
    TB_TRY(list_card("/", now));
    std::vector<std::string> fresh;
    for (const auto& p : now) {
      if (!known_.count(p)) fresh.push_back(p);
    }
    std::string primary = pending_->path.value_or(fresh.empty() ? "" : fresh.front());
    pending_->recovered.clear();
    for (const auto& p : fresh) {
      if (!primary.empty() &&
          basename_no_ext(split_path(p).second) == basename_no_ext(split_path(primary).second) &&
          split_path(p).first == split_path(primary).first) {
        pending_->recovered.push_back(p);
      } else {
        known_.insert(p);
        note(
            fmt::format("file {} appeared on the card during the outage and is not bound to a "
                        "request",
                        p));
      }
    }
    if (pending_->path && now.count(*pending_->path) &&
        std::find(pending_->recovered.begin(), pending_->recovered.end(), *pending_->path) ==
            pending_->recovered.end()) {
      pending_->recovered.insert(pending_->recovered.begin(), *pending_->path);
    }
    spdlog::info("gphoto2: reconnected; request {} in flight, {} file(s) of it on the card",
                 pending_->request_id, pending_->recovered.size());
  } else {
    spdlog::info("gphoto2: reconnected to {} at {}", info_.model, info_.port);
  }
  return ok_status();
}

// ---------------------------------------------------------------- widgets

void GphotoCamera::note(std::string text) {
  spdlog::info("gphoto2: {}", text);
  notes_.push_back(std::move(text));
}

Result<std::string> GphotoCamera::read_text(const std::string& name) {
  WidgetHolder w;
  ctx_->begin();
  int rc = gp_camera_get_single_config(cam_, name.c_str(), &w.w, ctx_->get());
  if (rc < GP_OK) {
    Error e = fail(rc, fmt::format("reading widget '{}'", name));
    if (e.code == Errc::invalid && probe_dead()) {
      return make_error(Errc::disconnected, "{}: camera vanished while reading '{}'", info_.model,
                        name);
    }
    return e;
  }
  auto t = widget_text(w.w);
  if (!t)
    return make_error(Errc::unsupported, "{}: widget '{}' has no text value", info_.model, name);
  return *t;
}

Status GphotoCamera::write_choice(Setting s, const std::string& name, const std::string& choice) {
  auto deadline = Clock::now() + opts_.busy_budget;
  milliseconds backoff(50);
  std::string last_read;
  Error last = make_error(Errc::busy, "not tried");
  for (;;) {
    WidgetHolder w;
    ctx_->begin();
    int rc = gp_camera_get_single_config(cam_, name.c_str(), &w.w, ctx_->get());
    if (rc >= GP_OK) {
      rc = gp_widget_set_value(w.w, choice.c_str());
      if (rc >= GP_OK) {
        ctx_->begin();
        trace("gp_camera_set_single_config");
        rc = gp_camera_set_single_config(cam_, name.c_str(), w.w, ctx_->get());
      }
    }
    if (rc < GP_OK) {
      last = fail(rc, fmt::format("setting {} '{}' to '{}'", setting_label(s), name, choice));
      if (last.code == Errc::invalid && probe_dead()) {
        return make_error(Errc::disconnected, "{}: camera vanished while setting '{}'", info_.model,
                          name);
      }
      if (last.code != Errc::busy) return last;
    } else {
      // Bodies ignore writes silently (busy, dial position): trust only what reads back.
      auto back = read_text(name);
      if (!back.ok()) return back.error();
      if (*back == choice) return ok_status();
      // Some bodies spell the value they read back differently ("1/125" vs "1/125s").
      auto want_v = parse_choice(s, choice);
      auto got_v = parse_choice(s, *back);
      if (want_v && got_v && distance_stops(s, *want_v, *got_v) < 0.05) return ok_status();
      last_read = *back;
      last = make_error(Errc::mismatch, "{}: wrote {} '{}' = '{}' but the camera reads back '{}'",
                        info_.model, setting_label(s), name, choice, last_read);
    }
    if (Clock::now() + backoff > deadline) break;
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, milliseconds(400));
  }
  if (last.code == Errc::busy) {
    last.message += fmt::format(" (still busy after {} ms of retries)", opts_.busy_budget.count());
  }
  return last;
}

Status GphotoCamera::apply_exposure(const ExposureSettings& e) {
  const double tol = cfg_.verify_tolerance_ev > 0 ? cfg_.verify_tolerance_ev : 0.34;
  struct Item {
    Setting s;
    double value;
    double tolerance;
  };
  std::vector<Item> items{{Setting::aperture, e.aperture, tol},
                          {Setting::shutter, e.shutter_s, tol}};
  if (e.iso > 0) items.push_back({Setting::iso, static_cast<double>(e.iso), tol});
  items.push_back({Setting::ev_comp, e.ev_comp, 0.25});

  for (const auto& it : items) {
    auto name_it = widget_names_.find(it.s);
    if (name_it == widget_names_.end()) {
      bool required = it.s == Setting::shutter || it.s == Setting::aperture ||
                      (it.s == Setting::iso && info_.can_set_iso);
      if (required) {
        return make_error(Errc::unsupported, "{}: no {} widget (tried {}); cannot set {}",
                          info_.model, setting_label(it.s), fmt::join(widget_aliases(it.s), ", "),
                          format_setting_value(it.s, it.value));
      }
      std::string key = std::string("missing-") + setting_label(it.s);
      if (noted_once_.insert(key).second) {
        note(fmt::format("{} has no {} widget: {} stays as set on the body", info_.model,
                         setting_label(it.s), format_setting_value(it.s, it.value)));
      }
      continue;
    }
    const std::string& name = name_it->second;
    WidgetHolder w;
    ctx_->begin();
    int rc = gp_camera_get_single_config(cam_, name.c_str(), &w.w, ctx_->get());
    if (rc < GP_OK) {
      Error err = fail(rc, fmt::format("reading widget '{}'", name));
      if (err.code == Errc::invalid && probe_dead()) {
        return make_error(Errc::disconnected, "{}: camera vanished while reading '{}'", info_.model,
                          name);
      }
      return err;
    }
    if (!widget_has_choices(w.w)) {
      return make_error(Errc::unsupported, "{}: widget '{}' ({}) offers no choices", info_.model,
                        name, setting_label(it.s));
    }
    auto pick = pick_nearest(it.s, widget_choices(w.w), it.value, it.tolerance, info_.model, name);
    if (!pick.ok()) return pick.error();
    auto current = widget_text(w.w);
    if (!current || *current != pick->choice) {
      TB_TRY(write_choice(it.s, name, pick->choice));
    }
    switch (it.s) {
      case Setting::shutter:
        reported_.shutter_s = pick->value;
        break;
      case Setting::aperture:
        reported_.aperture = pick->value;
        break;
      case Setting::iso:
        reported_.iso = static_cast<int>(std::lround(pick->value));
        break;
      case Setting::ev_comp:
        reported_.ev_comp = pick->value;
        break;
      default:
        break;
    }
  }
  if (!info_.can_set_iso) reported_.iso = 0;
  reported_valid_ = true;
  reported_dirty_ = false;
  return ok_status();
}

Status GphotoCamera::set_exposure(const ExposureSettings& e) {
  Error refused;
  auto lock = try_own("set_exposure", &refused);
  if (!lock) return refused;
  if (!cam_ || dead_) return make_error(Errc::disconnected, "gphoto2: camera not open; reconnect");
  TB_TRY(apply_exposure(e));
  commanded_ = e;
  return ok_status();
}

Result<ExposureSettings> GphotoCamera::read_exposure_now() {
  ExposureSettings r;
  r.iso = 0;
  r.ev_comp = 0;
  bool valid = true;
  for (Setting s : {Setting::shutter, Setting::aperture, Setting::iso, Setting::ev_comp}) {
    auto it = widget_names_.find(s);
    if (it == widget_names_.end()) {
      if (s == Setting::shutter || s == Setting::aperture) valid = false;
      continue;
    }
    auto text = read_text(it->second);
    if (!text.ok()) return text.error();
    auto v = parse_choice(s, *text);
    if (!v) {
      if (s == Setting::shutter || s == Setting::aperture) valid = false;
      continue;
    }
    switch (s) {
      case Setting::shutter:
        r.shutter_s = *v;
        break;
      case Setting::aperture:
        r.aperture = *v;
        break;
      case Setting::iso:
        r.iso = static_cast<int>(std::lround(*v));
        break;
      case Setting::ev_comp:
        r.ev_comp = *v;
        break;
      default:
        break;
    }
  }
  reported_ = r;
  reported_valid_ = valid;
  reported_dirty_ = false;
  return r;
}

Result<ExposureSettings> GphotoCamera::read_exposure() {
  Error refused;
  auto lock = try_own("read_exposure", &refused);
  if (!lock) return refused;
  if (!cam_ || dead_) return make_error(Errc::disconnected, "gphoto2: camera not open; reconnect");
  return read_exposure_now();
}

Status GphotoCamera::apply_session_settings() {
  if (automatics_locked_) {
    if (auto it = widget_names_.find(Setting::capture_target); it != widget_names_.end()) {
      auto choices_holder = WidgetHolder();
      ctx_->begin();
      int rc =
          gp_camera_get_single_config(cam_, it->second.c_str(), &choices_holder.w, ctx_->get());
      if (rc < GP_OK) return fail(rc, "reading capture target");
      auto choice = pick_capture_target(widget_choices(choices_holder.w), cfg_.capture_target);
      if (choice) TB_TRY(write_choice(Setting::capture_target, it->second, *choice));
    }
    if (auto it = widget_names_.find(Setting::image_format); it != widget_names_.end()) {
      WidgetHolder h;
      ctx_->begin();
      int rc = gp_camera_get_single_config(cam_, it->second.c_str(), &h.w, ctx_->get());
      if (rc < GP_OK) return fail(rc, "reading image format");
      auto choice = pick_image_format(widget_choices(h.w), cfg_.format);
      if (choice) TB_TRY(write_choice(Setting::image_format, it->second, *choice));
    }
  }
  if (commanded_) TB_TRY(apply_exposure(*commanded_));
  return ok_status();
}

Status GphotoCamera::lock_automatics() {
  Error refused;
  auto lock = try_own("lock_automatics", &refused);
  if (!lock) return refused;
  if (!cam_ || dead_) return make_error(Errc::disconnected, "gphoto2: camera not open; reconnect");

  if (auto it = widget_names_.find(Setting::exposure_program); it != widget_names_.end()) {
    auto mode = read_text(it->second);
    if (!mode.ok()) return mode.error();
    if (!is_manual_program(*mode)) {
      return make_error(Errc::refused,
                        "{}: exposure program is '{}' (widget '{}'): set the mode dial to M",
                        info_.model, *mode, it->second);
    }
  }
  // Focus and white balance: off/fixed where the body lets us; a body that refuses keeps
  // running, with a note in the record.
  for (Setting s : {Setting::autofocus, Setting::focus_mode, Setting::white_balance}) {
    auto it = widget_names_.find(s);
    if (it == widget_names_.end()) continue;
    WidgetHolder h;
    ctx_->begin();
    int rc = gp_camera_get_single_config(cam_, it->second.c_str(), &h.w, ctx_->get());
    if (rc < GP_OK) return fail(rc, fmt::format("reading '{}'", it->second));
    auto choices = widget_choices(h.w);
    auto current = widget_text(h.w).value_or("");
    std::optional<std::string> want = s == Setting::white_balance
                                          ? pick_white_balance(choices, light_kelvin_)
                                          : pick_focus_off(choices);
    if (!want || *want == current) continue;
    if (s == Setting::white_balance && !is_auto_choice(current)) continue;  // already fixed
    auto st = write_choice(s, it->second, *want);
    if (!st.ok()) {
      if (st.error().code == Errc::disconnected) return st;
      note(
          fmt::format("could not set {} to '{}': {}", setting_label(s), *want, st.error().message));
    }
  }

  if (auto it = widget_names_.find(Setting::capture_target); it != widget_names_.end()) {
    WidgetHolder h;
    ctx_->begin();
    int rc = gp_camera_get_single_config(cam_, it->second.c_str(), &h.w, ctx_->get());
    if (rc < GP_OK) return fail(rc, "reading capture target");
    auto choices = widget_choices(h.w);
    auto choice = pick_capture_target(choices, cfg_.capture_target);
    if (!choice) {
      return make_error(Errc::invalid, "{}: no capture target '{}' on widget '{}'; available: {}",
                        info_.model, cfg_.capture_target, it->second, fmt::join(choices, ", "));
    }
    TB_TRY(write_choice(Setting::capture_target, it->second, *choice));
  }
  if (auto it = widget_names_.find(Setting::image_format); it != widget_names_.end()) {
    WidgetHolder h;
    ctx_->begin();
    int rc = gp_camera_get_single_config(cam_, it->second.c_str(), &h.w, ctx_->get());
    if (rc < GP_OK) return fail(rc, "reading image format");
    auto choices = widget_choices(h.w);
    auto choice = pick_image_format(choices, cfg_.format);
    if (!choice) {
      return make_error(Errc::invalid, "{}: no image format for '{}' on widget '{}'; available: {}",
                        info_.model, cfg_.format, it->second, fmt::join(choices, ", "));
    }
    TB_TRY(write_choice(Setting::image_format, it->second, *choice));
  } else if (cfg_.format != "jpeg" && noted_once_.insert("no-format").second) {
    note(
        fmt::format("{} has no image format widget: camera.format '{}' not applied; files are "
                    "whatever the body is set to",
                    info_.model, cfg_.format));
  }
  automatics_locked_ = true;
  return ok_status();
}

Result<std::optional<double>> GphotoCamera::sync_clock(UtcTime utc) {
  Error refused;
  auto lock = try_own("sync_clock", &refused);
  if (!lock) return refused;
  if (!cam_ || dead_) return make_error(Errc::disconnected, "gphoto2: camera not open; reconnect");
  auto it = widget_names_.find(Setting::datetime);
  if (it == widget_names_.end()) return std::optional<double>{};
  const std::string& name = it->second;

  WidgetHolder w;
  ctx_->begin();
  int rc = gp_camera_get_single_config(cam_, name.c_str(), &w.w, ctx_->get());
  if (rc < GP_OK) return fail(rc, fmt::format("reading '{}'", name));
  CameraWidgetType type;
  gp_widget_get_type(w.w, &type);
  if (type != GP_WIDGET_DATE) {
    note(fmt::format("camera clock widget '{}' is not a date widget; clock not set", name));
    return std::optional<double>{};
  }
  // ptp2 converts the body's zone-less clock with the host's local zone; the box runs in UTC.
  int t = static_cast<int>(std::chrono::system_clock::to_time_t(utc));
  gp_widget_set_value(w.w, &t);
  ctx_->begin();
  rc = gp_camera_set_single_config(cam_, name.c_str(), w.w, ctx_->get());
  if (rc < GP_OK) {
    Error e = fail(rc, fmt::format("setting '{}'", name));
    if (e.code == Errc::disconnected) return e;
    note(fmt::format("camera clock not set: {}", e.message));
  }
  WidgetHolder back;
  ctx_->begin();
  rc = gp_camera_get_single_config(cam_, name.c_str(), &back.w, ctx_->get());
  auto host = std::chrono::system_clock::now();
  if (rc < GP_OK) return fail(rc, fmt::format("reading back '{}'", name));
  int cam_t = 0;
  gp_widget_get_value(back.w, &cam_t);
  double host_s = std::chrono::duration<double>(host.time_since_epoch()).count();
  // The camera clock has one-second resolution: compare with the host at the same truncation.
  double offset = static_cast<double>(cam_t) - std::floor(host_s);
  if (std::fabs(offset) > 2.0) {
    note(
        fmt::format("camera clock is {:+.0f} s from UTC after setting it (body ignores clock "
                    "writes?)",
                    offset));
  }
  return std::optional<double>{offset};
}

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
      if (name) out.insert(join_path(folder, name));
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
    if (name) subs.push_back(join_path(folder, name));
  }
  for (const auto& s : subs) TB_TRY(list_card(s, out, depth + 1));
  return ok_status();
}

Result<CapturedFile> GphotoCamera::download(const std::string& path, double& seconds) {
  auto [folder, name] = split_path(path);
  FileHolder file;
  auto t0 = Clock::now();
  ctx_->begin();
  trace("gp_camera_file_get");
  int rc = gp_camera_file_get(cam_, folder.c_str(), name.c_str(), GP_FILE_TYPE_NORMAL, file.f,
                              ctx_->get());
  if (rc < GP_OK) return fail(rc, fmt::format("downloading {}", path));
  const char* data = nullptr;
  unsigned long size = 0;
  gp_file_get_data_and_size(file.f, &data, &size);
  seconds += std::chrono::duration<double>(Clock::now() - t0).count();
  if (!data || size == 0) {
    return make_error(Errc::io, "{}: downloading {} gave an empty file", info_.model, path);
  }
  CapturedFile out;
  out.camera_name = name;
  out.extension = lower_ext(name);
  const char* mime = nullptr;
  gp_file_get_mime_type(file.f, &mime);
  out.mime = mime && *mime && std::string(mime) != "application/octet-stream"
                 ? std::string(mime)
                 : mime_for_ext(out.extension);
  out.data.assign(reinterpret_cast<const uint8_t*>(data),
                  reinterpret_cast<const uint8_t*>(data) + size);
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

Status GphotoCamera::drain_events(milliseconds per_wait, milliseconds budget,
                                  const std::string& primary, CaptureResult* out) {
  auto deadline = Clock::now() + budget;
  auto [pfolder, pname] = split_path(primary);
  std::string pbase = basename_no_ext(pname);
  while (Clock::now() < deadline) {
    CameraEventType type;
    void* data = nullptr;
    ctx_->begin();
    trace("gp_camera_wait_for_event");
    int rc = gp_camera_wait_for_event(cam_, static_cast<int>(per_wait.count()), &type, &data,
                                      ctx_->get());
    if (rc < GP_OK) return fail(rc, "waiting for camera events");
    if (type == GP_EVENT_TIMEOUT) return ok_status();
    if (type == GP_EVENT_FILE_ADDED && data) {
      auto* p = static_cast<CameraFilePath*>(data);
      std::string path = join_path(p->folder, p->name);
      free(data);  // NOLINT: libgphoto2 hands over malloc'd event data
      if (known_.count(path)) continue;
      if (out && !primary.empty() && basename_no_ext(split_path(path).second) == pbase &&
          split_path(path).first == pfolder) {
        TB_TRY(download_with_retry(path, *out));  // RAW+JPEG: the second file of this frame
      } else {
        known_.insert(path);
        note(
            fmt::format("file {} appeared without a request (body shutter press?); left on the "
                        "card, not bound",
                        path));
      }
      continue;
    }
    if (type == GP_EVENT_UNKNOWN && data) {
      std::string text(static_cast<const char*>(data));
      free(data);  // NOLINT
      if (text.find("roperty") != std::string::npos) reported_dirty_ = true;
      continue;
    }
    free(data);  // NOLINT: FOLDER_ADDED / FILE_CHANGED paths, or null
  }
  return ok_status();
}

Status GphotoCamera::drain() {
  Error refused;
  auto lock = try_own("drain", &refused);
  if (!lock) return refused;
  if (!cam_ || dead_) return make_error(Errc::disconnected, "gphoto2: camera not open; reconnect");
  return drain_events(opts_.event_wait, milliseconds(3000), "", nullptr);
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
  auto st = drain_events(opts_.event_wait, milliseconds(1500), primary, &out);
  spdlog::debug("gphoto2: request {}: shot in {:.0f} ms, download {:.0f} ms, events {:.0f} ms",
                out.request_id, out.trigger_uncertainty_s * 2000,
                std::chrono::duration<double, std::milli>(t1 - t0).count(),
                std::chrono::duration<double, std::milli>(Clock::now() - t1).count());
  if (!st.ok()) {
    // The frame is in hand; a lost link shows up on the next call.
    out.notes.push_back(fmt::format("event drain after capture failed: {}", st.error().message));
  }
  if (reported_dirty_ && !dead_) {
    auto r = read_exposure_now();
    if (!r.ok()) out.notes.push_back(fmt::format("exposure re-read failed: {}", r.error().message));
  }
  out.reported = reported_;
  out.reported_valid = reported_valid_;
  if (cfg_.delete_from_card && !dead_) {
    for (const auto& f : out.files) {
      std::string path = join_path(split_path(primary).first, f.camera_name);
      ctx_->begin();
      int rc = gp_camera_file_delete(cam_, split_path(path).first.c_str(),
                                     split_path(path).second.c_str(), ctx_->get());
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

  std::string primary = join_path(path.folder, path.name);
  if (known_.count(primary)) {
    // Some bodies hand back the previous frame's file (off by one): wait for the new one.
    note(fmt::format("capture returned {} which was already delivered; waiting for the new file",
                     primary));
    // The card listing is authoritative; poll it until the new file shows up.
    std::vector<std::string> fresh;
    auto until = Clock::now() + milliseconds(2000);
    while (fresh.empty() && Clock::now() < until) {
      std::set<std::string> now;
      TB_TRY(list_card("/", now));
      for (const auto& p : now) {
        if (!known_.count(p)) fresh.push_back(p);
      }
      if (fresh.empty()) std::this_thread::sleep_for(milliseconds(200));
    }
    if (fresh.empty()) {
      pending_.reset();
      return make_error(Errc::mismatch,
                        "{}: capture of request {} returned {} again and no new file appeared",
                        info_.model, request_id, primary);
    }
    primary = fresh.front();
  }
  pending_->path = primary;
  return finish_capture(primary, {});
}

}  // namespace

std::unique_ptr<tb::hal::Camera> make_camera(const config::Config& cfg) {
  return make_camera(cfg, Options{});
}

std::unique_ptr<tb::hal::Camera> make_camera(const config::Config& cfg, Options options) {
  return std::make_unique<GphotoCamera>(cfg, std::move(options));
}

}  // namespace tb::hal::gphoto2_backend
