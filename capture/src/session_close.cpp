#include "tetherbox/capture/session_close.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <exception>

#include "export_stream.hpp"
#include "tetherbox/capture/exports.hpp"
#include "tetherbox/common/log.hpp"

namespace tb::capture {

std::string dump_json(const nlohmann::json& j, int indent) {
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

namespace {

std::map<std::string, std::string> base_info(const config::Config& cfg, const Bag& bag) {
  std::map<std::string, std::string> info = {
      {"Source-Organization", cfg.metadata.creator.empty() ? "tetherbox" : cfg.metadata.creator},
      {"External-Identifier", bag.dir().filename().string()},
      {"Tetherbox-Version", version()},
  };
  if (!cfg.metadata.project.empty()) info["Tetherbox-Project"] = cfg.metadata.project;
  return info;
}

}  // namespace

Status put_report_html(Bag& bag, const fs::path& read_from, const nlohmann::json& report) {
  auto file = StreamedFile::open(bag, "report.html");
  if (!file) return file.error();
  TB_TRY(write_report_html(read_from, report,
                           [&](std::string_view piece) { return file->write(piece); }));
  return file->done();
}

Status close_session(const config::Config& cfg, Bag& bag, Journal& journal, const CloseInput& in) {
  const auto& rc = in.report;
  static const std::vector<FrameRecord> kNone;
  static const FrameList kNoFrames(kNone);
  const FrameSource& frames = in.frames ? *in.frames : kNoFrames;
  ReportBuilder builder;
  TB_TRY(frames.for_each([&](const FrameRecord& f) {
    builder.add(f);
    return ok_status();
  }));
  auto report = builder.finish(rc);
  nlohmann::json end = {{"type", "session_end"},
                        {"complete", rc.complete},
                        {"frames", in.done},
                        {"stopped_by", rc.stopped_by},
                        {"utc", format_utc_iso(rc.ended)}};
  TB_TRY(journal.append(dump_json(end)));
  auto w1 = bag.put("report.json", dump_json(report, 2) + "\n");
  if (!w1) return w1.error();
  TB_TRY(put_report_html(bag, bag.dir(), report));
  // Poses can be rebuilt from the journal later: a failed export is a warning, not a loss.
  // A throwing exporter (a name that is not UTF-8) is caught here for the same reason.
  try {
    if (auto ex = write_exports(bag, frames, cfg); !ex)
      spdlog::warn("exports not written: {}", ex.error().message);
  } catch (const std::exception& e) {
    spdlog::warn("exports not written: {}", e.what());
  }
  TB_TRY(bag.add_existing("journal.jsonl"));
  auto info = base_info(cfg, bag);
  info["External-Description"] = in.description;
  info["Tetherbox-Camera"] =
      fmt::format("{} {} ({})", rc.camera_model, rc.camera_serial, rc.camera_backend);
  info["Tetherbox-Complete"] = rc.complete ? "true" : "false";
  return bag.finalize(info);
}

Status close_unstarted(const config::Config& cfg, Bag& bag, const std::string& why) {
  auto info = base_info(cfg, bag);
  info["External-Description"] =
      fmt::format("tetherbox session '{}': not started: {}", cfg.session.name, why);
  info["Tetherbox-Complete"] = "false";
  info["Tetherbox-Status"] = "not started";
  return bag.finalize(info);
}

}  // namespace tb::capture
