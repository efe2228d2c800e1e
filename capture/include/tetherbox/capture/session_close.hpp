#pragma once
// Closing a session's bag: the session_end journal line, the report, the exports, the journal
// in the manifest and bag-info.txt with the tag manifest. Runs for every stop (done, stopped
// early, camera lost), so the bag always ends consistent; when it fails (a disk filled by
// another process) the bag is still resumable and the caller says so.
#include <string>
#include <vector>

#include "tetherbox/capture/frame_source.hpp"
#include "tetherbox/capture/record.hpp"
#include "tetherbox/capture/report.hpp"
#include "tetherbox/capture/storage.hpp"
#include "tetherbox/common/result.hpp"
#include "tetherbox/config/config.hpp"

namespace tb::capture {

struct CloseInput {
  const FrameSource* frames = nullptr;  // every durable frame (the journal read back)
  ReportContext report;
  size_t done = 0;
  std::string description;  // External-Description in bag-info.txt
};

Status close_session(const config::Config& cfg, Bag& bag, Journal& journal, const CloseInput& in);

// A bag whose session never started (a release could not be copied): bag-info says so, so
// the folder is a consistent, verifiable bag, not half of one.
Status close_unstarted(const config::Config& cfg, Bag& bag, const std::string& why);

// data/report.html drawn from the journal under `read_from` (the bag itself, or a bag's twin
// being rebuilt) and streamed into `bag` as it is drawn (one staged file, then committed).
Status put_report_html(Bag& bag, const std::filesystem::path& read_from,
                       const nlohmann::json& report);

// The JSON dump every journal line and report of the runner uses: a string from outside
// (config, camera, file names) with invalid UTF-8 is replaced, never an exception.
std::string dump_json(const nlohmann::json& j, int indent = -1);

}  // namespace tb::capture
