#include "tetherbox/capture/report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <limits>
#include <map>

#include "tetherbox/capture/quality_report.hpp"
#include "tetherbox/capture/text_utf8.hpp"

namespace tb::capture {
namespace {

using nlohmann::json;

struct Range {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  size_t n = 0;
  void add(double v) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
    ++n;
  }
};

// A range with no sample is not {min: 0, max: 0}: it is said to be unmeasured, and why.
void put_range(json& into, const char* key, const Range& r, const std::string& why_absent) {
  if (r.n == 0)
    into[key] = {{"not_measured", why_absent}};
  else
    into[key] = {{"min", r.lo}, {"max", r.hi}, {"count", r.n}};
}

bool has_image_to_measure(const FrameRecord& f) {
  for (const auto& file : f.files) {
    if (file.role == "preview") return true;
    const auto dot = file.path.find_last_of('.');
    if (file.role != "original" || dot == std::string::npos) continue;
    std::string ext = file.path.substr(dot + 1);
    for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (ext == "jpg" || ext == "jpeg") return true;
  }
  return false;
}

}  // namespace

struct ReportBuilder::State {
  Range lat, lon, alt, temp, rh, pres, clip_hi, clip_lo, mean;
  size_t with_fix = 0, with_ambient = 0, verified = 0, retaken = 0, clipped_frames = 0;
  size_t measured = 0, unmeasured_with_image = 0, not_reported = 0;
  uint64_t bytes = 0;
  std::map<std::string, size_t> per_light;
  std::map<double, size_t> per_ev;
  std::map<std::string, size_t> no_fix_reasons, no_ambient_reasons;
  json unverified = json::array();
  json faults = json::array();
  // From the RAW (quality_raw.hpp), per channel R, G, B; and the optics check.
  std::array<Range, 3> raw_hi, raw_lo;
  size_t raw_measured = 0, raw_warned = 0, optics_measured = 0, optics_changed = 0;
  std::map<std::string, size_t> raw_skipped, optics_skipped;
  Range focal;
  std::optional<double> focal_reference;
  std::optional<UtcTime> first, last;
  size_t frames = 0;
  quality::ReportTally quality_tally;
};

ReportBuilder::ReportBuilder() : s_(std::make_unique<State>()) {}
ReportBuilder::~ReportBuilder() = default;

void ReportBuilder::add(const FrameRecord& f) {
  using text::clean_utf8;
  State& s = *s_;
  ++s.frames;
  s.quality_tally.add(f);
  if (f.gps.fix) {
    ++s.with_fix;
    s.lat.add(f.gps.lat_deg);
    s.lon.add(f.gps.lon_deg);
    if (f.gps.alt_msl_m) s.alt.add(*f.gps.alt_msl_m);
  } else {
    s.no_fix_reasons[clean_utf8(f.gps.reason.empty() ? "no data" : f.gps.reason)]++;
  }
  if (f.ambient.available) {
    ++s.with_ambient;
    if (f.ambient.temperature_c) s.temp.add(*f.ambient.temperature_c);
    if (f.ambient.humidity_pct) s.rh.add(*f.ambient.humidity_pct);
    if (f.ambient.pressure_hpa) s.pres.add(*f.ambient.pressure_hpa);
  } else {
    s.no_ambient_reasons[clean_utf8(f.ambient.reason.empty() ? "no data" : f.ambient.reason)]++;
  }
  // A histogram exists only once the frame's preview was made (from a JPEG): an unmeasured
  // frame adds nothing, where it used to add 0.0 and make "clipping max 0.0" of a RAW shoot.
  if (f.histogram.measured) {
    ++s.measured;
    s.clip_hi.add(f.histogram.clipped_high);
    s.clip_lo.add(f.histogram.clipped_low);
    s.mean.add(f.histogram.mean);
    if (f.histogram.clipped_high > 0.01) ++s.clipped_frames;
  } else if (has_image_to_measure(f)) {
    ++s.unmeasured_with_image;
  }
  if (f.exposure_verified) {
    ++s.verified;
  } else {
    if (!f.reported_valid) ++s.not_reported;
    s.unverified.push_back(
        {{"frame", clean_utf8(f.name)},
         {"seq", f.seq},
         {"why", f.reported_valid ? "the reported exposure did not match the commanded one"
                                  : "the camera reported no exposure for this frame"}});
  }
  if (f.raw_levels.measured) {
    ++s.raw_measured;
    for (size_t c = 0; c < 3; ++c) {
      s.raw_hi[c].add(f.raw_levels.clipped_high[c]);
      s.raw_lo[c].add(f.raw_levels.clipped_low[c]);
    }
    if (!f.raw_levels.warnings.empty()) ++s.raw_warned;
  } else {
    s.raw_skipped[clean_utf8(f.raw_levels.reason.empty() ? "not measured" : f.raw_levels.reason)]++;
  }
  if (f.optics.measured && f.optics.focal_length_mm) {
    ++s.optics_measured;
    s.focal.add(*f.optics.focal_length_mm);
    if (f.optics.changed) ++s.optics_changed;
    if (!s.focal_reference && f.optics.reference_mm) s.focal_reference = f.optics.reference_mm;
  } else {
    s.optics_skipped[clean_utf8(f.optics.reason.empty() ? "not checked" : f.optics.reason)]++;
  }
  if (f.attempts > 1) ++s.retaken;
  for (const auto& file : f.files) s.bytes += file.size;
  // "" would read as a preset named nothing; a frame with no preset says so.
  s.per_light[f.position.light.empty() ? "(no lighting preset)" : clean_utf8(f.position.light)]++;
  s.per_ev[f.position.ev_offset]++;
  for (const auto& fault : f.faults)
    s.faults.push_back({{"frame", clean_utf8(f.name)}, {"fault", clean_utf8(fault)}});
  // A record with no trigger time (the epoch) says nothing of when the session ran: the
  // report says "none", never 1970.
  if (f.trigger_utc == UtcTime{}) return;
  if (!s.first || f.trigger_utc < *s.first) s.first = f.trigger_utc;
  if (!s.last || f.trigger_utc > *s.last) s.last = f.trigger_utc;
}

json ReportBuilder::finish(const ReportContext& ctx) const {
  using text::clean_utf8;
  const State& s = *s_;
  json faults = s.faults;
  for (const auto& fault : ctx.session_faults)
    faults.push_back({{"frame", nullptr}, {"fault", clean_utf8(fault)}});
  json lights = json::object();
  for (auto& [k, v] : s.per_light) lights[k] = v;
  json evs = json::object();
  for (auto& [k, v] : s.per_ev) evs[fmt::format("{:+.1f}", k)] = v;

  json gps = {{"frames_with_fix", s.with_fix}, {"frames_without_fix", s.frames - s.with_fix}};
  put_range(gps, "lat_deg", s.lat, "no frame had a GPS fix");
  put_range(gps, "lon_deg", s.lon, "no frame had a GPS fix");
  put_range(gps, "alt_msl_m", s.alt,
            s.with_fix ? "no fix carried an altitude" : "no frame had a GPS fix");
  if (!s.no_fix_reasons.empty()) gps["no_fix_reasons"] = s.no_fix_reasons;

  json ambient = {{"frames_with_reading", s.with_ambient}};
  const char* no_ambient =
      s.with_ambient ? "no reading carried it" : "no frame had an ambient reading";
  put_range(ambient, "temperature_c", s.temp, no_ambient);
  put_range(ambient, "humidity_pct", s.rh, no_ambient);
  put_range(ambient, "pressure_hpa", s.pres, no_ambient);
  if (!s.no_ambient_reasons.empty()) ambient["unavailable_reasons"] = s.no_ambient_reasons;

  json clipping = {{"frames_measured", s.measured}, {"frames_not_measured", s.frames - s.measured}};
  if (s.measured < s.frames)
    clipping["not_measured_reason"] =
        s.unmeasured_with_image == 0
            ? (s.raw_measured > 0
                   ? "not measured on a preview: no JPEG/preview (the RAW's own clipping, per "
                     "channel, is in "
                     "raw_clipping)"
                   : "not measured: no JPEG/preview (clipping is measured on the preview, made "
                     "from a JPEG; a RAW-only session has none)")
            : fmt::format("not measured: {} frame(s) have a JPEG but no preview was made",
                          s.unmeasured_with_image);
  const char* why_clip = "not measured: no JPEG/preview";
  put_range(clipping, "clipped_high", s.clip_hi, why_clip);
  put_range(clipping, "clipped_low", s.clip_lo, why_clip);
  put_range(clipping, "mean_luminance", s.mean, why_clip);
  if (s.measured > 0)
    clipping["frames_over_1pct_highlights"] = s.clipped_frames;
  else
    clipping["frames_over_1pct_highlights"] = {{"not_measured", why_clip}};

  json raw_clipping = {{"frames_measured", s.raw_measured},
                       {"frames_not_measured", s.frames - s.raw_measured},
                       {"frames_over_threshold", s.raw_warned}};
  if (!s.raw_skipped.empty()) raw_clipping["not_measured_reasons"] = s.raw_skipped;
  {
    static constexpr const char* kCh[3] = {"r", "g", "b"};
    json hi = json::object(), lo = json::object();
    for (size_t c = 0; c < 3; ++c) {
      put_range(hi, kCh[c], s.raw_hi[c], "no frame had a readable RAW");
      put_range(lo, kCh[c], s.raw_lo[c], "no frame had a readable RAW");
    }
    raw_clipping["clipped_high"] = hi;
    raw_clipping["clipped_low"] = lo;
  }
  json optics = {{"frames_measured", s.optics_measured},
                 {"frames_changed", s.optics_changed},
                 {"reference_mm", s.focal_reference ? json(*s.focal_reference) : json(nullptr)}};
  put_range(optics, "focal_length_mm", s.focal, "no frame's Exif carried a focal length");
  if (!s.optics_skipped.empty()) optics["not_measured_reasons"] = s.optics_skipped;

  auto text_or_null = [](const std::string& t) {
    return t.empty() ? json(nullptr) : json(clean_utf8(t));
  };
  auto time_or_null = [](UtcTime t) {
    return t == UtcTime{} ? json(nullptr) : json(format_utc_iso(t));
  };
  json out = {
      {"session", clean_utf8(ctx.session)},
      {"bag", clean_utf8(ctx.bag_name)},
      {"camera",
       {{"model", text_or_null(ctx.camera_model)},
        {"serial", text_or_null(ctx.camera_serial)},
        {"backend", text_or_null(ctx.camera_backend)}}},
      {"started_utc", time_or_null(ctx.started)},
      {"ended_utc", time_or_null(ctx.ended)},
      {"first_frame_utc", s.first ? json(format_utc_iso(*s.first)) : json(nullptr)},
      {"last_frame_utc", s.last ? json(format_utc_iso(*s.last)) : json(nullptr)},
      {"planned", ctx.planned},
      {"frames", s.frames},
      {"complete", ctx.complete},
      {"stopped_by", text_or_null(ctx.stopped_by)},
      {"bytes", s.bytes},
      {"exposure",
       {{"verified", s.verified},
        {"not_verified", s.frames - s.verified},
        {"not_reported_by_camera", s.not_reported},
        {"retaken", s.retaken},
        {"unverified_frames", s.unverified}}},
      {"gps", gps},
      {"ambient", ambient},
      {"clipping", clipping},
      {"raw_clipping", raw_clipping},
      {"optics", optics},
      {"frames_per_light", lights},
      {"frames_per_ev", evs},
      {"faults", faults},
  };
  out["quality"] = s.quality_tally.quality();
  out["checks_not_run"] = s.quality_tally.checks_not_run();
  return out;
}

json make_report(const std::vector<FrameRecord>& frames, const ReportContext& ctx) {
  ReportBuilder b;
  for (const auto& f : frames) b.add(f);
  return b.finish(ctx);
}

}  // namespace tb::capture
