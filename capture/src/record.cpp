#include "tetherbox/capture/record.hpp"

namespace tb::capture {
namespace {

using nlohmann::json;

json opt(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

std::optional<double> get_opt(const json& j, const char* key) {
  if (!j.contains(key) || j.at(key).is_null()) return std::nullopt;
  return j.at(key).get<double>();
}

json exposure_json(const hal::ExposureSettings& e) {
  return {{"shutter_s", e.shutter_s}, {"aperture", e.aperture}, {"iso", e.iso},
          {"ev_comp", e.ev_comp}};
}

hal::ExposureSettings exposure_from(const json& j) {
  hal::ExposureSettings e;
  e.shutter_s = j.at("shutter_s").get<double>();
  e.aperture = j.at("aperture").get<double>();
  e.iso = j.at("iso").get<int>();
  e.ev_comp = j.value("ev_comp", 0.0);
  return e;
}

}  // namespace

json to_json(const FileRecord& f) {
  return {{"role", f.role},
          {"path", f.path},
          {"camera_name", f.camera_name},
          {"size", f.size},
          {"sha256", f.sha256}};
}

json to_json(const Histogram& h) {
  return {{"clipped_high", h.clipped_high},
          {"clipped_low", h.clipped_low},
          {"mean", h.mean},
          {"measured", h.measured}};
}

FileRecord file_record_from_json(const json& f) {
  return FileRecord{f.at("role").get<std::string>(), f.at("path").get<std::string>(),
                    f.value("camera_name", ""), f.at("size").get<uint64_t>(),
                    f.at("sha256").get<std::string>()};
}

Histogram histogram_from_json(const json& h) {
  return Histogram{h.value("clipped_high", 0.0), h.value("clipped_low", 0.0), h.value("mean", 0.0),
                   h.value("measured", false)};
}

json to_json(const OpticsRecord& o) {
  json j = {{"measured", o.measured},
            {"focal_length_mm", opt(o.focal_length_mm)},
            {"reference_mm", opt(o.reference_mm)},
            {"changed", o.changed}};
  if (!o.source.empty()) j["source"] = o.source;
  if (!o.measured) j["reason"] = o.reason;
  return j;
}

OpticsRecord optics_from_json(const json& j) {
  OpticsRecord o;
  o.measured = j.value("measured", false);
  o.reason = j.value("reason", "");
  o.focal_length_mm = get_opt(j, "focal_length_mm");
  o.reference_mm = get_opt(j, "reference_mm");
  o.source = j.value("source", "");
  o.changed = j.value("changed", false);
  return o;
}

json to_json(const RawLevels& l) {
  if (!l.measured) return {{"measured", false}, {"reason", l.reason}};
  auto rgb = [](const std::array<double, 3>& v) {
    return json{{"r", v[0]}, {"g", v[1]}, {"b", v[2]}};
  };
  return {{"measured", true},
          {"file", l.file},
          {"white_level", l.white_level},
          {"black_level", l.black_level},
          {"clipped_high", rgb(l.clipped_high)},
          {"clipped_low", rgb(l.clipped_low)},
          {"warnings", l.warnings}};
}

RawLevels raw_levels_from_json(const json& j) {
  RawLevels l;
  l.measured = j.value("measured", false);
  l.reason = j.value("reason", "");
  if (!l.measured) return l;
  l.file = j.value("file", "");
  l.white_level = j.value("white_level", 0.0);
  l.black_level = j.value("black_level", 0.0);
  auto rgb = [](const json& v) {
    return std::array<double, 3>{v.value("r", 0.0), v.value("g", 0.0), v.value("b", 0.0)};
  };
  l.clipped_high = rgb(j.at("clipped_high"));
  l.clipped_low = rgb(j.at("clipped_low"));
  l.warnings = j.value("warnings", std::vector<std::string>{});
  return l;
}

json to_json(const SharpnessRecord& s) {
  if (!s.measured) return {{"measured", false}, {"reason", s.reason}};
  return {{"measured", true},
          {"value", s.value},
          {"median", opt(s.median)},
          {"ratio", opt(s.ratio)},
          {"blurred", s.blurred}};
}

SharpnessRecord sharpness_from_json(const json& j) {
  SharpnessRecord s;
  s.measured = j.value("measured", false);
  s.reason = j.value("reason", "");
  s.value = j.value("value", 0.0);
  s.median = get_opt(j, "median");
  s.ratio = get_opt(j, "ratio");
  s.blurred = j.value("blurred", false);
  return s;
}

json to_json(const FrameRecord& r) {
  json files = json::array();
  for (const auto& f : r.files) files.push_back(to_json(f));
  json gps = {{"fix", r.gps.fix}, {"source", r.gps.source}};
  if (r.gps.fix) {
    gps["mode"] = r.gps.mode;
    gps["lat_deg"] = r.gps.lat_deg;
    gps["lon_deg"] = r.gps.lon_deg;
    gps["alt_msl_m"] = opt(r.gps.alt_msl_m);
    gps["hdop"] = opt(r.gps.hdop);
    gps["pdop"] = opt(r.gps.pdop);
    gps["fix_age_s"] = r.gps.fix_age_s;
  } else {
    gps["reason"] = r.gps.reason;
  }
  json amb = {{"available", r.ambient.available}, {"sensor_id", r.ambient.sensor_id}};
  if (r.ambient.available) {
    amb["temperature_c"] = opt(r.ambient.temperature_c);
    amb["humidity_pct"] = opt(r.ambient.humidity_pct);
    amb["pressure_hpa"] = opt(r.ambient.pressure_hpa);
    amb["reading_age_s"] = r.ambient.reading_age_s;
  } else {
    amb["reason"] = r.ambient.reason;
  }
  json j = {
      {"request_id", r.request_id},
      {"seq", r.seq},
      {"name", r.name},
      {"position",
       {{"ring", r.position.ring},
        {"index_in_ring", r.position.index_in_ring},
        {"azimuth_deg", r.position.azimuth_deg},
        {"elevation_deg", r.position.elevation_deg},
        {"light", r.position.light},
        {"bracket_step", r.position.bracket_step},
        {"ev_offset", r.position.ev_offset}}},
      {"commanded", exposure_json(r.commanded)},
      {"reported", exposure_json(r.reported)},
      {"reported_valid", r.reported_valid},
      {"reported_source", r.reported_source},
      {"exposure_verified", r.exposure_verified},
      {"exposure_mismatch", r.exposure_mismatch},
      {"attempts", r.attempts},
      {"trigger_utc", format_utc_iso(r.trigger_utc)},
      {"trigger_uncertainty_s", r.trigger_uncertainty_s},
      {"time_sync",
       {{"synchronised", r.time_sync.synchronised},
        {"source", r.time_sync.source},
        {"uncertainty_ms", r.time_sync.uncertainty_s * 1000},
        {"detail", r.time_sync.detail}}},
      {"camera_clock_offset_s", opt(r.camera_clock_offset_s)},
      {"gps", gps},
      {"ambient", amb},
      {"files", files},
      {"histogram", to_json(r.histogram)},
      {"faults", r.faults},
      {"optics", to_json(r.optics)},
      {"raw_levels", to_json(r.raw_levels)},
      {"sharpness", to_json(r.sharpness)},
  };
  if (!r.superseded_by.empty()) j["superseded_by"] = r.superseded_by;
  if (!r.retake_of.empty()) {
    j["retake_of"] = r.retake_of;
    j["retake_number"] = r.retake_number;
  }
  json not_run = json::array();
  for (const auto& [check, reason] : checks_not_run(r))
    not_run.push_back({{"check", check}, {"reason", reason}});
  j["checks_not_run"] = not_run;
  return j;
}

FrameRecord frame_record_from_json(const json& j) {
  FrameRecord r;
  r.request_id = j.at("request_id").get<uint64_t>();
  r.seq = j.at("seq").get<uint64_t>();
  r.name = j.at("name").get<std::string>();
  const auto& p = j.at("position");
  r.position.ring = p.at("ring").get<int>();
  r.position.index_in_ring = p.at("index_in_ring").get<int>();
  r.position.azimuth_deg = p.at("azimuth_deg").get<double>();
  r.position.elevation_deg = p.at("elevation_deg").get<double>();
  r.position.light = p.at("light").get<std::string>();
  r.position.bracket_step = p.at("bracket_step").get<int>();
  r.position.ev_offset = p.at("ev_offset").get<double>();
  r.commanded = exposure_from(j.at("commanded"));
  r.reported = exposure_from(j.at("reported"));
  r.reported_valid = j.value("reported_valid", true);
  r.reported_source = j.value("reported_source", r.reported_valid ? "camera" : "none");
  r.exposure_verified = j.value("exposure_verified", false);
  r.exposure_mismatch = j.value("exposure_mismatch", false);
  r.attempts = j.value("attempts", 1);
  if (auto t = parse_utc_iso(j.at("trigger_utc").get<std::string>())) r.trigger_utc = *t;
  r.trigger_uncertainty_s = j.value("trigger_uncertainty_s", 0.0);
  if (j.contains("time_sync")) {  // absent from journals written before it was recorded
    const auto& ts = j.at("time_sync");
    r.time_sync.synchronised = ts.value("synchronised", false);
    r.time_sync.source = ts.value("source", "");
    r.time_sync.uncertainty_s = ts.value("uncertainty_ms", 0.0) / 1000;
    r.time_sync.detail = ts.value("detail", "");
  }
  r.camera_clock_offset_s = get_opt(j, "camera_clock_offset_s");
  const auto& g = j.at("gps");
  r.gps.fix = g.at("fix").get<bool>();
  r.gps.source = g.value("source", "");
  if (r.gps.fix) {
    r.gps.mode = g.at("mode").get<int>();
    r.gps.lat_deg = g.at("lat_deg").get<double>();
    r.gps.lon_deg = g.at("lon_deg").get<double>();
    r.gps.alt_msl_m = get_opt(g, "alt_msl_m");
    r.gps.hdop = get_opt(g, "hdop");
    r.gps.pdop = get_opt(g, "pdop");
    r.gps.fix_age_s = g.value("fix_age_s", 0.0);
  } else {
    r.gps.reason = g.value("reason", "");
  }
  const auto& a = j.at("ambient");
  r.ambient.available = a.at("available").get<bool>();
  r.ambient.sensor_id = a.value("sensor_id", "");
  if (r.ambient.available) {
    r.ambient.temperature_c = get_opt(a, "temperature_c");
    r.ambient.humidity_pct = get_opt(a, "humidity_pct");
    r.ambient.pressure_hpa = get_opt(a, "pressure_hpa");
    r.ambient.reading_age_s = a.value("reading_age_s", 0.0);
  } else {
    r.ambient.reason = a.value("reason", "");
  }
  for (const auto& f : j.at("files")) r.files.push_back(file_record_from_json(f));
  r.histogram = histogram_from_json(j.at("histogram"));
  r.faults = j.value("faults", std::vector<std::string>{});
  // Absent from journals written before the optics check existed: "not measured".
  if (j.contains("optics") && j.at("optics").is_object())
    r.optics = optics_from_json(j.at("optics"));
  else
    r.optics.reason = "not checked (journal predates the optics check)";
  if (j.contains("raw_levels") && j.at("raw_levels").is_object())
    r.raw_levels = raw_levels_from_json(j.at("raw_levels"));
  else
    r.raw_levels.reason = "not measured (journal predates the RAW check)";
  if (j.contains("sharpness") && j.at("sharpness").is_object())
    r.sharpness = sharpness_from_json(j.at("sharpness"));
  else
    r.sharpness.reason = "not measured (journal predates the sharpness check)";
  r.superseded_by = j.value("superseded_by", "");
  r.retake_of = j.value("retake_of", "");
  r.retake_number = j.value("retake_number", 0);
  return r;
}

std::vector<std::pair<std::string, std::string>> checks_not_run(const FrameRecord& r) {
  std::vector<std::pair<std::string, std::string>> out;
  auto why = [](const std::string& reason) { return reason.empty() ? "not measured" : reason; };
  if (!r.optics.measured) out.emplace_back("optics", why(r.optics.reason));
  if (!r.raw_levels.measured) out.emplace_back("raw_clipping", why(r.raw_levels.reason));
  if (!r.sharpness.measured) out.emplace_back("sharpness", why(r.sharpness.reason));
  return out;
}

}  // namespace tb::capture
