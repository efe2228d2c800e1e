#pragma once
// The shoot report (data/report.json and data/report.html): the conditions of the shoot —
// times, places, ambient ranges, exposure, clipping, faults — computed from the frame records.
#include <nlohmann/json.hpp>

#include <memory>
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
  std::string stopped_by;                   // empty when complete
  std::vector<std::string> session_faults;  // faults not bound to a frame (reconnects, …)
  UtcTime started{};
  UtcTime ended{};
};

// The report built one frame at a time, so its memory does not grow with the session (only
// the lists a person reads grow: faults, frames whose exposure was not verified).
class ReportBuilder {
 public:
  ReportBuilder();
  ~ReportBuilder();
  ReportBuilder(const ReportBuilder&) = delete;
  ReportBuilder& operator=(const ReportBuilder&) = delete;
  void add(const FrameRecord& f);
  nlohmann::json finish(const ReportContext& ctx) const;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

// The same report from records in memory: a ReportBuilder fed with each of them.
nlohmann::json make_report(const std::vector<FrameRecord>& frames, const ReportContext& ctx);
std::string report_html(const nlohmann::json& report);

}  // namespace tb::capture
