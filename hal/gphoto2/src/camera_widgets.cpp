// The gphoto2 Camera's settings: exposure written through vendor widgets and trusted only as
// read back, session settings (capture target, format, focus, white balance) and the clock.
#include <fmt/format.h>
#include <gphoto2/gphoto2-result.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <thread>

#include "file_binding.hpp"
#include "gphoto2_camera_impl.hpp"
#include "tetherbox/hal/gphoto2/gp_errors.hpp"

namespace tb::hal::gphoto2_backend::detail {

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
    if (opts_.files_per_shot <= 0) {
      files_per_shot_ = cfg_.format == "raw+jpeg" ? 2 : 1;
      files_per_shot_learned_ = false;
    }
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

}  // namespace tb::hal::gphoto2_backend::detail
