#include "tetherbox/capture/quality_monitor.hpp"

#include <fmt/format.h>

#include "tetherbox/capture/quality_raw.hpp"

namespace tb::capture::quality {

Monitor::Monitor(const config::Quality& cfg, const std::vector<FrameRecord>& done)
    : cfg_(cfg), optics_(cfg.focal_tolerance_mm), sharpness_(cfg.min_sharpness_ratio) {
  optics_.seed(done);
  sharpness_.seed(done);
  for (const auto& f : done) {
    if (f.optics.changed) ++optics_changed_;
    if (f.raw_levels.measured) ++raw_measured_;
    if (!f.raw_levels.warnings.empty()) ++clipped_;
    if (f.sharpness.blurred) ++blurred_;
    if (f.sharpness.blurred && !f.superseded_by.empty()) ++retaken_;
  }
}

namespace {

const hal::CapturedFile* raw_file(const hal::CaptureResult& cap) {
  for (const auto& f : cap.files)
    if (f.extension != "jpg" && f.extension != "jpeg") return &f;
  return nullptr;
}

void check_levels(RawLevels& l, const config::Quality& q) {
  static constexpr const char* kNames[3] = {"red", "green", "blue"};
  for (size_t c = 0; c < 3; ++c) {
    if (l.clipped_high[c] > q.max_clipped_high)
      l.warnings.push_back(fmt::format(
          "highlights clipped: {:.2f}% of the {} photosites at the white level {:g} (limit "
          "quality.max_clipped_high {:.2f}%)",
          100 * l.clipped_high[c], kNames[c], l.white_level, 100 * q.max_clipped_high));
    if (l.clipped_low[c] > q.max_clipped_low)
      l.warnings.push_back(fmt::format(
          "shadows crushed: {:.2f}% of the {} photosites at or below the black level {:g} "
          "(limit quality.max_clipped_low {:.2f}%)",
          100 * l.clipped_low[c], kNames[c], l.black_level, 100 * q.max_clipped_low));
  }
}

}  // namespace

Verdict Monitor::on_captured(FrameRecord& r, const hal::CaptureResult& cap) {
  Verdict v;
  r.optics = read_optics(cap);
  // Clipping and sharpness in one read of the RAW (the meter takes the green as it comes).
  SharpnessMeter sharpness;
  if (const auto* raw = raw_file(cap)) {
    r.raw_levels = measure_raw(raw->data, sharpness);
    r.raw_levels.file = raw->camera_name;
    if (r.raw_levels.measured) check_levels(r.raw_levels, cfg_);
  } else {
    r.raw_levels.reason = "not measured: no RAW in this frame (JPEG only)";
  }
  v.warnings = r.raw_levels.warnings;
  if (auto s = r.raw_levels.measured ? sharpness.result() : std::nullopt) {
    r.sharpness.measured = true;
    r.sharpness.value = *s;
  } else {
    r.sharpness.reason = r.raw_levels.measured
                             ? "not measured: the green plane is tiny, black or clipped all over"
                             : "not measured: no readable RAW";
  }
  std::lock_guard lk(mu_);
  if (auto blur = sharpness_.check(r.position.light, r.sharpness)) {
    ++blurred_;
    v.blurred = true;
    v.blur_fault = *blur;
  }
  if (r.raw_levels.measured) ++raw_measured_;
  if (!r.raw_levels.warnings.empty()) ++clipped_;
  if (auto fault = optics_.check(r.optics)) {
    ++optics_changed_;
    v.faults.push_back(*fault);
    if (cfg_.stop_on_optics_change)
      v.stop = Error{Errc::mismatch, fmt::format("frame {} ({}): {}; stopped because "
                                                 "quality.stop_on_optics_change is set",
                                                 r.seq, r.name, *fault)};
  }
  return v;
}

void Monitor::note_retaken() {
  std::lock_guard lk(mu_);
  ++retaken_;
}

std::string Monitor::live_summary() const {
  std::lock_guard lk(mu_);
  std::string s;
  if (raw_measured_ > 0) {
    std::string fate;
    if (blurred_ > 0)
      fate = retaken_ == 0          ? ", not retaken"
             : retaken_ >= blurred_ ? ", retaken"
                                    : fmt::format(", {} retaken", retaken_);
    s = fmt::format("{} blurred{}; {} clipped", blurred_, fate, clipped_);
  }
  if (optics_changed_ > 0)
    s += fmt::format("{}optics changed on {}", s.empty() ? "" : "; ", optics_changed_);
  return s;
}

}  // namespace tb::capture::quality
