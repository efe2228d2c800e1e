#include "tetherbox/capture/report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <limits>
#include <map>

#include "tetherbox/capture/quality_report.hpp"
#include "text_utf8.hpp"

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

std::string html_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '<':
        o += "&lt;";
        break;
      case '>':
        o += "&gt;";
        break;
      case '&':
        o += "&amp;";
        break;
      case '"':
        o += "&quot;";
        break;
      default:
        o += c;
    }
  }
  return o;
}

}  // namespace

json make_report(const std::vector<FrameRecord>& frames, const ReportContext& ctx) {
  using text::clean_utf8;
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
  quality::ReportTally quality_tally;
  for (const auto& f : frames) {
    quality_tally.add(f);
    if (f.gps.fix) {
      ++with_fix;
      lat.add(f.gps.lat_deg);
      lon.add(f.gps.lon_deg);
      if (f.gps.alt_msl_m) alt.add(*f.gps.alt_msl_m);
    } else {
      no_fix_reasons[clean_utf8(f.gps.reason.empty() ? "no data" : f.gps.reason)]++;
    }
    if (f.ambient.available) {
      ++with_ambient;
      if (f.ambient.temperature_c) temp.add(*f.ambient.temperature_c);
      if (f.ambient.humidity_pct) rh.add(*f.ambient.humidity_pct);
      if (f.ambient.pressure_hpa) pres.add(*f.ambient.pressure_hpa);
    } else {
      no_ambient_reasons[clean_utf8(f.ambient.reason.empty() ? "no data" : f.ambient.reason)]++;
    }
    // A histogram exists only once the frame's preview was made (from a JPEG): an unmeasured
    // frame adds nothing, where it used to add 0.0 and make "clipping max 0.0" of a RAW shoot.
    if (f.histogram.measured) {
      ++measured;
      clip_hi.add(f.histogram.clipped_high);
      clip_lo.add(f.histogram.clipped_low);
      mean.add(f.histogram.mean);
      if (f.histogram.clipped_high > 0.01) ++clipped_frames;
    } else if (has_image_to_measure(f)) {
      ++unmeasured_with_image;
    }
    if (f.exposure_verified) {
      ++verified;
    } else {
      if (!f.reported_valid) ++not_reported;
      unverified.push_back(
          {{"frame", clean_utf8(f.name)},
           {"seq", f.seq},
           {"why", f.reported_valid ? "the reported exposure did not match the commanded one"
                                    : "the camera reported no exposure for this frame"}});
    }
    if (f.raw_levels.measured) {
      ++raw_measured;
      for (size_t c = 0; c < 3; ++c) {
        raw_hi[c].add(f.raw_levels.clipped_high[c]);
        raw_lo[c].add(f.raw_levels.clipped_low[c]);
      }
      if (!f.raw_levels.warnings.empty()) ++raw_warned;
    } else {
      raw_skipped[clean_utf8(f.raw_levels.reason.empty() ? "not measured" : f.raw_levels.reason)]++;
    }
    if (f.optics.measured && f.optics.focal_length_mm) {
      ++optics_measured;
      focal.add(*f.optics.focal_length_mm);
      if (f.optics.changed) ++optics_changed;
      if (!focal_reference && f.optics.reference_mm) focal_reference = f.optics.reference_mm;
    } else {
      optics_skipped[clean_utf8(f.optics.reason.empty() ? "not checked" : f.optics.reason)]++;
    }
    if (f.attempts > 1) ++retaken;
    for (const auto& file : f.files) bytes += file.size;
    // "" would read as a preset named nothing; a frame with no preset says so.
    per_light[f.position.light.empty() ? "(no lighting preset)" : clean_utf8(f.position.light)]++;
    per_ev[f.position.ev_offset]++;
    for (const auto& fault : f.faults)
      faults.push_back({{"frame", clean_utf8(f.name)}, {"fault", clean_utf8(fault)}});
    if (!first || f.trigger_utc < *first) first = f.trigger_utc;
    if (!last || f.trigger_utc > *last) last = f.trigger_utc;
  }
  for (const auto& s : ctx.session_faults)
    faults.push_back({{"frame", nullptr}, {"fault", clean_utf8(s)}});
  json lights = json::object();
  for (auto& [k, v] : per_light) lights[k] = v;
  json evs = json::object();
  for (auto& [k, v] : per_ev) evs[fmt::format("{:+.1f}", k)] = v;

  json gps = {{"frames_with_fix", with_fix}, {"frames_without_fix", frames.size() - with_fix}};
  put_range(gps, "lat_deg", lat, "no frame had a GPS fix");
  put_range(gps, "lon_deg", lon, "no frame had a GPS fix");
  put_range(gps, "alt_msl_m", alt,
            with_fix ? "no fix carried an altitude" : "no frame had a GPS fix");
  if (!no_fix_reasons.empty()) gps["no_fix_reasons"] = no_fix_reasons;

  json ambient = {{"frames_with_reading", with_ambient}};
  const char* no_ambient =
      with_ambient ? "no reading carried it" : "no frame had an ambient reading";
  put_range(ambient, "temperature_c", temp, no_ambient);
  put_range(ambient, "humidity_pct", rh, no_ambient);
  put_range(ambient, "pressure_hpa", pres, no_ambient);
  if (!no_ambient_reasons.empty()) ambient["unavailable_reasons"] = no_ambient_reasons;

  json clipping = {{"frames_measured", measured},
                   {"frames_not_measured", frames.size() - measured}};
  if (measured < frames.size())
    clipping["not_measured_reason"] =
        unmeasured_with_image == 0
            ? (raw_measured > 0
                   ? "not measured on a preview: no JPEG/preview (the RAW's own clipping, per "
                     "channel, is in "
                     "raw_clipping)"
                   : "not measured: no JPEG/preview (clipping is measured on the preview, made "
                     "from a JPEG; a RAW-only session has none)")
            : fmt::format("not measured: {} frame(s) have a JPEG but no preview was made",
                          unmeasured_with_image);
  const char* why_clip = "not measured: no JPEG/preview";
  put_range(clipping, "clipped_high", clip_hi, why_clip);
  put_range(clipping, "clipped_low", clip_lo, why_clip);
  put_range(clipping, "mean_luminance", mean, why_clip);
  if (measured > 0)
    clipping["frames_over_1pct_highlights"] = clipped_frames;
  else
    clipping["frames_over_1pct_highlights"] = {{"not_measured", why_clip}};

  json raw_clipping = {{"frames_measured", raw_measured},
                       {"frames_not_measured", frames.size() - raw_measured},
                       {"frames_over_threshold", raw_warned}};
  if (!raw_skipped.empty()) raw_clipping["not_measured_reasons"] = raw_skipped;
  {
    static constexpr const char* kCh[3] = {"r", "g", "b"};
    json hi = json::object(), lo = json::object();
    for (size_t c = 0; c < 3; ++c) {
      put_range(hi, kCh[c], raw_hi[c], "no frame had a readable RAW");
      put_range(lo, kCh[c], raw_lo[c], "no frame had a readable RAW");
    }
    raw_clipping["clipped_high"] = hi;
    raw_clipping["clipped_low"] = lo;
  }
  json optics = {{"frames_measured", optics_measured},
                 {"frames_changed", optics_changed},
                 {"reference_mm", focal_reference ? json(*focal_reference) : json(nullptr)}};
  put_range(optics, "focal_length_mm", focal, "no frame's Exif carried a focal length");
  if (!optics_skipped.empty()) optics["not_measured_reasons"] = optics_skipped;

  auto text_or_null = [](const std::string& s) {
    return s.empty() ? json(nullptr) : json(clean_utf8(s));
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
      {"first_frame_utc", first ? json(format_utc_iso(*first)) : json(nullptr)},
      {"last_frame_utc", last ? json(format_utc_iso(*last)) : json(nullptr)},
      {"planned", ctx.planned},
      {"frames", frames.size()},
      {"complete", ctx.complete},
      {"stopped_by", text_or_null(ctx.stopped_by)},
      {"bytes", bytes},
      {"exposure",
       {{"verified", verified},
        {"not_verified", frames.size() - verified},
        {"not_reported_by_camera", not_reported},
        {"retaken", retaken},
        {"unverified_frames", unverified}}},
      {"gps", gps},
      {"ambient", ambient},
      {"clipping", clipping},
      {"raw_clipping", raw_clipping},
      {"optics", optics},
      {"frames_per_light", lights},
      {"frames_per_ev", evs},
      {"faults", faults},
  };
  out["quality"] = quality_tally.quality();
  out["checks_not_run"] = quality_tally.checks_not_run();
  return out;
}

namespace {

// A value as a person reads it: an unmeasured one shows its reason ("not measured: no
// JPEG/preview"), never a number or a bare null that could pass for one.
std::string readable(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "none";
  if (v.is_object()) {
    if (v.size() == 1 && v.contains("not_measured")) {
      const std::string why = v.at("not_measured").get<std::string>();
      return why.rfind("not measured", 0) == 0 ? why : "not measured: " + why;
    }
    // A measured range reads "lo to hi (n)": a measured 0 (no photosite clipped) is a number
    // with its sample count, never a bare "max 0" that could be an unmeasured default.
    if (v.size() == 3 && v.contains("min") && v.contains("max") && v.contains("count"))
      return readable(v.at("min")) + " to " + readable(v.at("max")) + " (" +
             readable(v.at("count")) + " frames)";
    std::string out;
    for (const auto& [k, item] : v.items())
      out += (out.empty() ? "" : "; ") + k + " " + readable(item);
    return "{" + out + "}";
  }
  if (v.is_array()) {
    std::string out;
    for (const auto& item : v) out += (out.empty() ? "" : ", ") + readable(item);
    return "[" + out + "]";
  }
  return v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::string report_html(const json& r) {
  std::string rows;
  auto row = [&](const std::string& k, const json& v) {
    rows +=
        fmt::format("<tr><th>{}</th><td>{}</td></tr>\n", html_escape(k), html_escape(readable(v)));
  };
  for (const char* k : {"session", "bag", "camera", "started_utc", "ended_utc", "planned", "frames",
                        "complete", "stopped_by", "bytes", "exposure", "gps", "ambient", "clipping",
                        "raw_clipping", "optics", "frames_per_light", "frames_per_ev"})
    if (r.contains(k)) row(k, r.at(k));
  std::string faults;
  for (const auto& f : r.value("faults", json::array()))
    faults += fmt::format(
        "<li>{}: {}</li>\n",
        html_escape(f.at("frame").is_null() ? "session" : f.at("frame").get<std::string>()),
        html_escape(f.at("fault").get<std::string>()));
  return fmt::format(
      "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>tetherbox report {}</title>"
      "<style>body{{font-family:sans-serif}}th{{text-align:left;padding-right:1em}}"
      "td{{font-family:monospace}}</style></head>\n<body><h1>Shoot report: {}</h1>\n"
      "<table>\n{}</table>\n<h2>Faults ({})</h2>\n<ul>\n{}</ul>\n</body></html>\n",
      html_escape(r.value("session", "")), html_escape(r.value("session", "")), rows,
      r.value("faults", json::array()).size(), faults);
}

}  // namespace tb::capture
