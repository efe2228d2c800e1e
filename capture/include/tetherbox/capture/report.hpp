#pragma once
// The shoot report (data/report.json and data/report.html): the conditions of the shoot —
// times, places, ambient ranges, exposure, clipping, faults — computed from the frame records.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tetherbox/capture/record.hpp"
#include "tetherbox/common/result.hpp"

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

// The shoot report a person reads (data/report.html of the bag at `bag_dir`): one
// self-contained page (inline SVG, no script, no network) drawn from `report` (report.json)
// and the frame records it streams from the bag's own journal, so it works on any bag, open
// or closed. Every chart carries its numbers in data-* attributes (data-frames, data-min,
// data-max, ...) so a test reads them from the DOM. Never fails: what cannot be read (no
// journal, an unreadable line, no session.yaml) is said on the page.
std::string render_report_html(const std::filesystem::path& bag_dir, const nlohmann::json& report);
// The same page handed to `out` piece by piece (a section at a time), so a long session's
// page is never whole in memory; the first error `out` returns stops it and is returned.
using HtmlSink = std::function<Status(std::string_view)>;
Status write_report_html(const std::filesystem::path& bag_dir, const nlohmann::json& report,
                         const HtmlSink& out);

// What a command adds to a rebuilt report (`tetherbox dustmap`: the "dust" key and its mask).
struct ReportAdditions {
  std::vector<std::pair<std::string, std::vector<uint8_t>>> files;  // path under data/, bytes
  std::function<void(nlohmann::json&)> amend;                       // edits report.json
};
// Rebuilds data/report.json (make_report over the journal, keeping keys other commands added)
// and data/report.html of a closed bag, with `add`, and finalizes it again. The bag must be
// closed, unlocked and verify; at every instant (kill -9 included) its path holds either the
// old or the new bag, both complete (see report_html_rebuild.cpp). Returns the new report.
Result<nlohmann::json> rebuild_report(const std::filesystem::path& bag_dir,
                                      const ReportAdditions& add = {});

}  // namespace tb::capture
