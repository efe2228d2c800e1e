// The report page's view of a bag's journal: streamed line by line into small rows.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <unordered_map>

#include "report_html_detail.hpp"
#include "tetherbox/capture/record.hpp"
#include "tetherbox/capture/text_utf8.hpp"

namespace tb::capture::report_page {

namespace {

using nlohmann::json;

// The retake helper marks a replaced frame with "superseded" (a flag, or what replaced it):
// anything present and not false/empty counts.
bool marked_superseded(const json& j) {
  for (const char* k : {"superseded", "superseded_by"}) {
    if (!j.contains(k)) continue;
    const json& v = j.at(k);
    if (v.is_boolean() ? v.get<bool>() : !(v.is_null() || v.empty())) return true;
  }
  return false;
}

FrameRow row_of(const FrameRecord& f, std::set<std::string>& texts) {
  FrameRow r;
  r.seq = f.seq;
  r.name = text::clean_utf8(f.name);
  r.ring = f.position.ring;
  r.azimuth_deg = f.position.azimuth_deg;
  r.elevation_deg = f.position.elevation_deg;
  if (f.trigger_utc != UtcTime{}) {
    r.t_s = std::chrono::duration<double>(f.trigger_utc.time_since_epoch()).count();
  }
  r.exposure_ok = f.exposure_verified && !f.exposure_mismatch;
  r.faults = static_cast<uint32_t>(f.faults.size());
  r.attempts = f.attempts;
  for (const auto& file : f.files)
    if (file.role == "preview" && file.path.rfind("data/", 0) == 0)
      r.preview = text::clean_utf8(file.path.substr(5));
  r.hist_measured = f.histogram.measured;
  r.clipped_high = f.histogram.clipped_high;
  r.clipped_low = f.histogram.clipped_low;
  r.mean = f.histogram.mean;
  r.raw_measured = f.raw_levels.measured;
  r.raw_high_max =
      *std::max_element(f.raw_levels.clipped_high.begin(), f.raw_levels.clipped_high.end());
  r.sharp_measured = f.sharpness.measured;
  r.sharp_reason = &*texts.insert(text::clean_utf8(f.sharpness.reason)).first;
  r.sharpness = f.sharpness.value;
  r.sharp_ratio = f.sharpness.ratio;
  r.blurred = f.sharpness.blurred;
  r.gps_fix = f.gps.fix;
  if (f.ambient.available) {
    r.temperature_c = f.ambient.temperature_c;
    r.humidity_pct = f.ambient.humidity_pct;
    r.pressure_hpa = f.ambient.pressure_hpa;
  }
  return r;
}

}  // namespace

std::string FrameRow::status() const {
  if (superseded) return "superseded";
  if (!exposure_ok || faults > 0 || blurred) return "fault";
  if (attempts > 1) return "retaken";
  return "ok";
}

JournalView read_journal_view(const std::filesystem::path& bag_dir) {
  JournalView v;
  const auto path = bag_dir / "data" / "journal.jsonl";
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    v.problems.push_back("data/journal.jsonl cannot be read: no frame is drawn");
    return v;
  }
  std::unordered_map<uint64_t, size_t> latest;  // seq -> index of its newest row
  std::string line;
  size_t lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.empty()) continue;
    // A crash can leave a torn last line; any unreadable line is named and skipped.
    const json j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      v.problems.push_back(fmt::format("journal line {} is not JSON (skipped)", lineno));
      continue;
    }
    const std::string type = j.value("type", "");
    try {
      if (type == "frame") {
        FrameRow r = row_of(frame_record_from_json(j), v.texts);
        r.superseded = marked_superseded(j);
        if (auto it = latest.find(r.seq); it != latest.end()) {
          // Both lines stay in the bag: the older one was taken again in place.
          v.frames[it->second].superseded = true;
          if (r.attempts < 2) r.attempts = 2;
        }
        latest[r.seq] = v.frames.size();
        v.frames.push_back(std::move(r));
      } else if (type == "preview" && j.contains("seq")) {
        auto it = latest.find(j.at("seq").get<uint64_t>());
        if (it == latest.end()) continue;
        FrameRow& r = v.frames[it->second];
        if (j.contains("file") && j.at("file").is_object()) {
          const auto f = file_record_from_json(j.at("file"));
          if (f.path.rfind("data/", 0) == 0) r.preview = text::clean_utf8(f.path.substr(5));
        }
        if (j.contains("histogram")) {
          const auto h = histogram_from_json(j.at("histogram"));
          r.hist_measured = h.measured;
          r.clipped_high = h.clipped_high;
          r.clipped_low = h.clipped_low;
          r.mean = h.mean;
        }
        if (j.contains("fault")) ++r.faults;
      } else if (type == "fault" && j.value("retake", false) && j.contains("seq")) {
        if (auto it = latest.find(j.at("seq").get<uint64_t>()); it != latest.end())
          v.frames[it->second].superseded = true;
      } else if (type == "release") {
        json rel = j;
        rel.erase("type");
        v.releases.push_back(std::move(rel));
      }
    } catch (const json::exception& e) {
      v.problems.push_back(
          fmt::format("journal line {} ({}) unreadable: {} (skipped)", lineno, type, e.what()));
    }
  }
  return v;
}

}  // namespace tb::capture::report_page
