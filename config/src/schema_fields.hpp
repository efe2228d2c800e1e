#pragma once
// The one list of YAML keys per config struct. The reader and the writer both walk these, so
// a field added to config.hpp and listed here is loaded, rejected when misspelt, and written
// back by to_yaml without touching either. Keys mirror the struct members exactly.
// Derived members (Exposure::shutter_s, Config::source_path) are deliberately not listed.
#include <type_traits>

#include "tetherbox/config/config.hpp"

namespace tb::config::schema {

// True for structs that are YAML maps (have a for_each_field below).
template <class T>
inline constexpr bool is_record = false;

#define TB_CONFIG_RECORD(T) \
  template <>               \
  inline constexpr bool is_record<T> = true

TB_CONFIG_RECORD(Exposure);
TB_CONFIG_RECORD(SimCameraFaults);
TB_CONFIG_RECORD(SimCamera);
TB_CONFIG_RECORD(CameraSelect);
TB_CONFIG_RECORD(PowerRelay);
TB_CONFIG_RECORD(Camera);
TB_CONFIG_RECORD(Lens);
TB_CONFIG_RECORD(Ring);
TB_CONFIG_RECORD(Orbit);
TB_CONFIG_RECORD(GcodeTurntable);
TB_CONFIG_RECORD(StepdirTurntable);
TB_CONFIG_RECORD(SimTurntable);
TB_CONFIG_RECORD(Turntable);
TB_CONFIG_RECORD(Light);
TB_CONFIG_RECORD(LightingPreset);
TB_CONFIG_RECORD(Lighting);
TB_CONFIG_RECORD(Brackets);
TB_CONFIG_RECORD(Button);
TB_CONFIG_RECORD(Buttons);
TB_CONFIG_RECORD(SimGps);
TB_CONFIG_RECORD(Gps);
TB_CONFIG_RECORD(SimAmbient);
TB_CONFIG_RECORD(Ambient);
TB_CONFIG_RECORD(Previews);
TB_CONFIG_RECORD(Storage);
TB_CONFIG_RECORD(Metadata);
TB_CONFIG_RECORD(Privacy);
TB_CONFIG_RECORD(Session);
TB_CONFIG_RECORD(Daemon);
TB_CONFIG_RECORD(Quality);
TB_CONFIG_RECORD(ExposureCheck);
TB_CONFIG_RECORD(Sync);
TB_CONFIG_RECORD(Delivery);
TB_CONFIG_RECORD(Config);
#undef TB_CONFIG_RECORD

template <class F>
void for_each_field(Exposure& x, F&& f) {
  f("shutter", x.shutter);
  f("aperture", x.aperture);
  f("iso", x.iso);
}

template <class F>
void for_each_field(SimCameraFaults& x, F&& f) {
  f("busy_probability", x.busy_probability);
  f("disconnect_at", x.disconnect_at);
  f("disconnect_captures", x.disconnect_captures);
  f("slow_download_ms", x.slow_download_ms);
  f("wrong_exposure_at", x.wrong_exposure_at);
  f("zoom_creep_from", x.zoom_creep_from);
  f("zoom_creep_mm_per_frame", x.zoom_creep_mm_per_frame);
  f("defocus_at", x.defocus_at);
  f("defocus_radius_px", x.defocus_radius_px);
}

template <class F>
void for_each_field(SimCamera& x, F&& f) {
  f("width", x.width);
  f("height", x.height);
  f("dust", x.dust);
  f("seed", x.seed);
  f("faults", x.faults);
}

template <class F>
void for_each_field(CameraSelect& x, F&& f) {
  f("model", x.model);
  f("serial", x.serial);
  f("port", x.port);
}

template <class F>
void for_each_field(Camera& x, F&& f) {
  f("backend", x.backend);
  f("select", x.select);
  f("exposure", x.exposure);
  f("format", x.format);
  f("verify_tolerance_ev", x.verify_tolerance_ev);
  f("verify_retries", x.verify_retries);
  f("capture_target", x.capture_target);
  f("delete_from_card", x.delete_from_card);
  f("set_clock", x.set_clock);
  f("sim", x.sim);
  f("power_relay", x.power_relay);
}

template <class F>
void for_each_field(PowerRelay& x, F&& f) {
  f("chip", x.chip);
  f("line", x.line);
  f("off_ms", x.off_ms);
  f("active_low", x.active_low);
}

template <class F>
void for_each_field(Lens& x, F&& f) {
  f("focal_length_mm", x.focal_length_mm);
  f("sensor_width_mm", x.sensor_width_mm);
  f("sensor_height_mm", x.sensor_height_mm);
}

template <class F>
void for_each_field(Ring& x, F&& f) {
  f("elevation_deg", x.elevation_deg);
  f("positions", x.positions);
}

template <class F>
void for_each_field(Orbit& x, F&& f) {
  f("enabled", x.enabled);
  f("subject_distance_m", x.subject_distance_m);
  f("subject_radius_m", x.subject_radius_m);
  f("target_overlap", x.target_overlap);
  f("max_view_angle_deg", x.max_view_angle_deg);
  f("coverage_deg", x.coverage_deg);
  f("start_azimuth_deg", x.start_azimuth_deg);
  f("rings", x.rings);
}

template <class F>
void for_each_field(Turntable& x, F&& f) {
  f("backend", x.backend);
  f("speed_deg_s", x.speed_deg_s);
  f("settle_ms", x.settle_ms);
  f("step_deg", x.step_deg);
  f("gcode", x.gcode);
  f("stepdir", x.stepdir);
  f("sim", x.sim);
}

template <class F>
void for_each_field(SimTurntable& x, F&& f) {
  f("needed_settle_ms", x.needed_settle_ms);
}

template <class F>
void for_each_field(GcodeTurntable& x, F&& f) {
  f("port", x.port);
  f("baud", x.baud);
  f("dialect", x.dialect);
  f("axis", x.axis);
  f("units_per_rev", x.units_per_rev);
  f("gear_ratio", x.gear_ratio);
  f("feed", x.feed);
  f("timeout_ms", x.timeout_ms);
  f("home_on_start", x.home_on_start);
}

template <class F>
void for_each_field(StepdirTurntable& x, F&& f) {
  f("chip", x.chip);
  f("step_line", x.step_line);
  f("dir_line", x.dir_line);
  f("enable_line", x.enable_line);
  f("home_line", x.home_line);
  f("steps_per_rev", x.steps_per_rev);
  f("microsteps", x.microsteps);
  f("gear_ratio", x.gear_ratio);
  f("max_speed_deg_s", x.max_speed_deg_s);
  f("accel_deg_s2", x.accel_deg_s2);
}

template <class F>
void for_each_field(Light& x, F&& f) {
  f("name", x.name);
  f("colour_temp_k", x.colour_temp_k);
  f("azimuth_deg", x.azimuth_deg);
  f("elevation_deg", x.elevation_deg);
  f("intensity", x.intensity);
  f("chip", x.chip);
  f("line", x.line);
  f("active_low", x.active_low);
}

template <class F>
void for_each_field(LightingPreset& x, F&& f) {
  f("name", x.name);
  f("on", x.on);
  f("settle_ms", x.settle_ms);
}

template <class F>
void for_each_field(Lighting& x, F&& f) {
  f("backend", x.backend);
  f("lights", x.lights);
  f("presets", x.presets);
}

template <class F>
void for_each_field(Brackets& x, F&& f) {
  f("ev", x.ev);
}

template <class F>
void for_each_field(Button& x, F&& f) {
  f("name", x.name);
  f("action", x.action);
  f("chip", x.chip);
  f("line", x.line);
  f("active_low", x.active_low);
  f("debounce_ms", x.debounce_ms);
}

template <class F>
void for_each_field(Buttons& x, F&& f) {
  f("backend", x.backend);
  f("buttons", x.buttons);
  f("sim_press_at_s", x.sim_press_at_s);
}

template <class F>
void for_each_field(SimGps& x, F&& f) {
  f("lat_deg", x.lat_deg);
  f("lon_deg", x.lon_deg);
  f("alt_msl_m", x.alt_msl_m);
  f("speed_m_s", x.speed_m_s);
  f("fix_period_s", x.fix_period_s);
  f("nofix_s", x.nofix_s);
}

template <class F>
void for_each_field(Gps& x, F&& f) {
  f("backend", x.backend);
  f("gpsd_host", x.gpsd_host);
  f("gpsd_port", x.gpsd_port);
  f("max_fix_age_s", x.max_fix_age_s);
  f("sim", x.sim);
}

template <class F>
void for_each_field(SimAmbient& x, F&& f) {
  f("temperature_c", x.temperature_c);
  f("humidity_pct", x.humidity_pct);
  f("pressure_hpa", x.pressure_hpa);
  f("drift_per_min", x.drift_per_min);
  f("dropout_probability", x.dropout_probability);
}

template <class F>
void for_each_field(Ambient& x, F&& f) {
  f("backend", x.backend);
  f("sysfs_root", x.sysfs_root);
  f("device_name", x.device_name);
  f("max_age_s", x.max_age_s);
  f("period_ms", x.period_ms);
  f("sim", x.sim);
}

template <class F>
void for_each_field(Previews& x, F&& f) {
  f("enabled", x.enabled);
  f("max_size", x.max_size);
  f("quality", x.quality);
}

template <class F>
void for_each_field(Storage& x, F&& f) {
  f("root", x.root);
  f("reserve_mb", x.reserve_mb);
  f("name_template", x.name_template);
  f("previews", x.previews);
}

template <class F>
void for_each_field(Metadata& x, F&& f) {
  f("creator", x.creator);
  f("copyright", x.copyright);
  f("project", x.project);
  f("releases", x.releases);
  f("categories", x.categories);
}

template <class F>
void for_each_field(Privacy& x, F&& f) {
  f("strip_gps_on_delivery", x.strip_gps_on_delivery);
}

template <class F>
void for_each_field(Session& x, F&& f) {
  f("name", x.name);
  f("mode", x.mode);
  f("max_brackets", x.max_brackets);
  f("notes", x.notes);
}

template <class F>
void for_each_field(Daemon& x, F&& f) {
  f("on_open_session", x.on_open_session);
}

template <class F>
void for_each_field(Config& x, F&& f) {
  f("board", x.board);
  f("session", x.session);
  f("camera", x.camera);
  f("lens", x.lens);
  f("orbit", x.orbit);
  f("turntable", x.turntable);
  f("lighting", x.lighting);
  f("brackets", x.brackets);
  f("buttons", x.buttons);
  f("gps", x.gps);
  f("ambient", x.ambient);
  f("storage", x.storage);
  f("metadata", x.metadata);
  f("privacy", x.privacy);
  f("log_level", x.log_level);
  f("daemon", x.daemon);
  f("quality", x.quality);
  f("exposure", x.exposure);
  f("sync", x.sync);
  f("delivery", x.delivery);
}

template <class F>
void for_each_field(Quality& x, F&& f) {
  f("focal_tolerance_mm", x.focal_tolerance_mm);
  f("stop_on_optics_change", x.stop_on_optics_change);
  f("max_clipped_high", x.max_clipped_high);
  f("max_clipped_low", x.max_clipped_low);
  f("min_sharpness_ratio", x.min_sharpness_ratio);
  f("max_retakes", x.max_retakes);
  f("retake_extra_settle_ms", x.retake_extra_settle_ms);
}

template <class F>
void for_each_field(ExposureCheck& x, F&& f) {
  f("test_shot", x.test_shot);
  f("test_shot_apply", x.test_shot_apply);
  f("target_median", x.target_median);
  f("max_adjust_ev", x.max_adjust_ev);
}

template <class F>
void for_each_field(Sync& x, F&& f) {
  f("remotes", x.remotes);
  f("when_idle", x.when_idle);
  f("bwlimit", x.bwlimit);
}

template <class F>
void for_each_field(Delivery& x, F&& f) {
  f("copies_required", x.copies_required);
}

}  // namespace tb::config::schema
