#pragma once
// The shoot report (data/report.json and data/report.html): the conditions of the shoot —
// times, places, ambient ranges, exposure, clipping, faults — computed from the frame records.
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "tetherbox/capture/record.hpp"

namespace tb::capture {

struct ReportContext {
  std::string session;
  std::string bag_name;
  std::string camera_model;
  std::string camera_serial;
  std::string camera_backend;
  size_t planned = 0;
  bool complete = false;
  std::string stopped_by;                 // empty when complete
  std::vector<std::string> session_faults;  // faults not bound to a frame (reconnects, …)
  UtcTime started{};
  UtcTime ended{};
};

nlohmann::json make_report(const std::vector<FrameRecord>& frames, const ReportContext& ctx);
std::string report_html(const nlohmann::json& report);

}  // namespace tb::capture
