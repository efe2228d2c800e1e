// The gphoto2 Camera's session: the device lock, open/close, and the recovery ladder
// (re-find the body -> USB port reset -> power-cycle hook), bounded per reconnect() call.
#include <fmt/format.h>
#include <gphoto2/gphoto2-abilities-list.h>
#include <gphoto2/gphoto2-port-info-list.h>
#include <gphoto2/gphoto2-port-result.h>
#include <gphoto2/gphoto2-port.h>
#include <gphoto2/gphoto2-result.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <thread>

#include "file_binding.hpp"
#include "gphoto2_camera_impl.hpp"
#include "tetherbox/hal/gphoto2/gp_errors.hpp"

namespace tb::hal::gphoto2_backend {
namespace detail {
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

}  // namespace

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
    auto found = binding::recover_from_listing(now, known_, pending_->path);
    pending_->recovered = std::move(found.frame_files);
    for (const auto& p : found.strays) {
      known_.insert(p);
      note(fmt::format(
          "file {} appeared on the card during the outage and is not bound to a request", p));
    }
    spdlog::info("gphoto2: reconnected; request {} in flight, {} file(s) of it on the card",
                 pending_->request_id, pending_->recovered.size());
  } else {
    spdlog::info("gphoto2: reconnected to {} at {}", info_.model, info_.port);
  }
  return ok_status();
}

}  // namespace detail

std::unique_ptr<tb::hal::Camera> make_camera(const config::Config& cfg) {
  return make_camera(cfg, Options{});
}

std::unique_ptr<tb::hal::Camera> make_camera(const config::Config& cfg, Options options) {
  return std::make_unique<detail::GphotoCamera>(cfg, std::move(options));
}

}  // namespace tb::hal::gphoto2_backend
