#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "tetherbox/capture/quality_raw.hpp"
#include "tetherbox/capture/quality_test_shot.hpp"

namespace tb::capture::quality {

using nlohmann::json;

TestShot assess_test_shot(const hal::CaptureResult& cap, const hal::ExposureSettings& current,
                          const config::ExposureCheck& ec, const config::Quality& q) {
  TestShot t;
  t.current = current;
  t.suggested = current;
  const hal::CapturedFile* raw = nullptr;
  for (const auto& f : cap.files)
    if (f.extension != "jpg" && f.extension != "jpeg") raw = &f;
  if (!raw) {
    t.reason = "no suggestion: the test shot has no RAW (camera.format jpeg)";
    return t;
  }
  Plane green;
  t.levels = measure_raw(raw->data, &green);
  t.levels.file = raw->camera_name;
  if (!t.levels.measured || green.v.empty()) {
    t.reason = "no suggestion: " + (t.levels.reason.empty() ? "no green plane" : t.levels.reason);
    return t;
  }
  const double range = t.levels.white_level - t.levels.black_level;
  if (!(range > 0)) {
    t.reason = "no suggestion: the RAW's white level is not above its black level";
    return t;
  }
  std::vector<float> v = green.v;
  auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  t.median = static_cast<double>(*mid) / range;
  // A black median (lens cap, lights off) gives no direction worth following.
  double ev = *t.median > 1e-6 ? std::log2(ec.target_median / *t.median) : ec.max_adjust_ev;
  // Highlights already clipped beyond the limit: never suggest brighter than a third darker.
  const double worst =
      *std::max_element(t.levels.clipped_high.begin(), t.levels.clipped_high.end());
  if (worst > q.max_clipped_high) ev = std::min(ev, -1.0 / 3);
  if (std::abs(ev) > ec.max_adjust_ev) {
    ev = std::copysign(ec.max_adjust_ev, ev);
    t.clamped = true;
  }
  ev = std::round(ev * 3) / 3;
  t.ev = ev == 0 ? 0.0 : ev;  // no "-0"
  t.suggested.shutter_s = current.shutter_s * std::exp2(*t.ev);
  return t;
}

json to_json(const TestShot& t, uint64_t request_id, bool applied) {
  auto exposure = [](const hal::ExposureSettings& e) {
    return json{{"shutter_s", e.shutter_s}, {"aperture", e.aperture}, {"iso", e.iso}};
  };
  json j = {{"type", "test_shot"},
            {"request_id", request_id},
            {"raw_levels", to_json(t.levels)},
            {"taken_with", exposure(t.current)},
            {"applied", applied}};
  if (t.ev) {
    j["median"] = *t.median;
    j["suggested_ev"] = *t.ev;
    j["suggested"] = exposure(t.suggested);
    j["clamped"] = t.clamped;
  } else {
    j["reason"] = t.reason;
  }
  return j;
}

std::optional<double> applied_test_shot_ev(const std::vector<std::string>& journal_lines) {
  for (const auto& line : journal_lines) {
    if (line.find("\"test_shot\"") == std::string::npos) continue;
    const json j = json::parse(line, nullptr, false);
    if (j.is_discarded() || j.value("type", "") != "test_shot") continue;
    if (j.value("applied", false) && j.contains("suggested_ev") && j.at("suggested_ev").is_number())
      return j.at("suggested_ev").get<double>();
  }
  return std::nullopt;
}

}  // namespace tb::capture::quality
