#include "tetherbox/capture/report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <map>

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
  json to_json() const {
    if (n == 0) return nullptr;
    return {{"min", lo}, {"max", hi}, {"count", n}};
  }
};

std::string html_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '&': o += "&amp;"; break;
      case '"': o += "&quot;"; break;
      default: o += c;
    }
  }
  return o;
}

}  // namespace

json make_report(const std::vector<FrameRecord>& frames, const ReportContext& ctx) {
  Range lat, lon, alt, temp, rh, pres, clip_hi, clip_lo, mean;
  size_t with_fix = 0, with_ambient = 0, verified = 0, retaken = 0;
  uint64_t bytes = 0;
  std::map<std::string, size_t> per_light;
  std::map<double, size_t> per_ev;
  json faults = json::array();
  std::optional<UtcTime> first, last;
  for (const auto& f : frames) {
    if (f.gps.fix) {
      ++with_fix;
      lat.add(f.gps.lat_deg);
      lon.add(f.gps.lon_deg);
      if (f.gps.alt_msl_m) alt.add(*f.gps.alt_msl_m);
    }
    if (f.ambient.available) {
      ++with_ambient;
      if (f.ambient.temperature_c) temp.add(*f.ambient.temperature_c);
      if (f.ambient.humidity_pct) rh.add(*f.ambient.humidity_pct);
      if (f.ambient.pressure_hpa) pres.add(*f.ambient.pressure_hpa);
    }
    clip_hi.add(f.histogram.clipped_high);
    clip_lo.add(f.histogram.clipped_low);
    mean.add(f.histogram.mean);
    if (f.exposure_verified) ++verified;
    if (f.attempts > 1) ++retaken;
    for (const auto& file : f.files) bytes += file.size;
    per_light[f.position.light]++;
    per_ev[f.position.ev_offset]++;
    for (const auto& fault : f.faults) faults.push_back({{"frame", f.name}, {"fault", fault}});
    if (!first || f.trigger_utc < *first) first = f.trigger_utc;
    if (!last || f.trigger_utc > *last) last = f.trigger_utc;
  }
  for (const auto& s : ctx.session_faults) faults.push_back({{"frame", nullptr}, {"fault", s}});
  json lights = json::object();
  for (auto& [k, v] : per_light) lights[k] = v;
  json evs = json::object();
  for (auto& [k, v] : per_ev) evs[fmt::format("{:+.1f}", k)] = v;
  size_t clipped_frames = static_cast<size_t>(std::count_if(
      frames.begin(), frames.end(), [](const FrameRecord& f) { return f.histogram.clipped_high > 0.01; }));
  return {
      {"session", ctx.session},
      {"bag", ctx.bag_name},
      {"camera", {{"model", ctx.camera_model}, {"serial", ctx.camera_serial}, {"backend", ctx.camera_backend}}},
      {"started_utc", format_utc_iso(ctx.started)},
      {"ended_utc", format_utc_iso(ctx.ended)},
      {"first_frame_utc", first ? json(format_utc_iso(*first)) : json(nullptr)},
      {"last_frame_utc", last ? json(format_utc_iso(*last)) : json(nullptr)},
      {"planned", ctx.planned},
      {"frames", frames.size()},
      {"complete", ctx.complete},
      {"stopped_by", ctx.stopped_by.empty() ? json(nullptr) : json(ctx.stopped_by)},
      {"bytes", bytes},
      {"exposure", {{"verified", verified}, {"retaken", retaken}}},
      {"gps", {{"frames_with_fix", with_fix}, {"lat_deg", lat.to_json()}, {"lon_deg", lon.to_json()},
               {"alt_msl_m", alt.to_json()}}},
      {"ambient", {{"frames_with_reading", with_ambient}, {"temperature_c", temp.to_json()},
                   {"humidity_pct", rh.to_json()}, {"pressure_hpa", pres.to_json()}}},
      {"clipping", {{"clipped_high", clip_hi.to_json()}, {"clipped_low", clip_lo.to_json()},
                    {"frames_over_1pct_highlights", clipped_frames}, {"mean_luminance", mean.to_json()}}},
      {"frames_per_light", lights},
      {"frames_per_ev", evs},
      {"faults", faults},
  };
}

std::string report_html(const json& r) {
  std::string rows;
  auto row = [&](const std::string& k, const json& v) {
    rows += fmt::format("<tr><th>{}</th><td>{}</td></tr>\n", html_escape(k),
                        html_escape(v.is_string() ? v.get<std::string>() : v.dump()));
  };
  for (const char* k : {"session", "bag", "camera", "started_utc", "ended_utc", "planned", "frames",
                        "complete", "stopped_by", "bytes", "exposure", "gps", "ambient", "clipping",
                        "frames_per_light", "frames_per_ev"})
    if (r.contains(k)) row(k, r.at(k));
  std::string faults;
  for (const auto& f : r.value("faults", json::array()))
    faults += fmt::format("<li>{}: {}</li>\n",
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
