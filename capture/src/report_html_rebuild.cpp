// `tetherbox report BAG` (and `dustmap`): report.json/html of a closed bag rebuilt from its
// journal. A closed bag has three files that must change together (the report, the manifest
// listing it, the tag manifest listing the manifest); no order of renames keeps them in step.
// So the new state is made in a twin of the bag (hard links to every payload file, copies of
// the small tag files) through Bag::put/finalize, and swapped in with one
// renameat2(RENAME_EXCHANGE): at every instant the bag's path holds a complete, verifying bag.
#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "tetherbox/capture/finished_bag.hpp"
#include "tetherbox/capture/frame_source.hpp"
#include "tetherbox/capture/report.hpp"
#include "tetherbox/capture/session_close.hpp"
#include "tetherbox/capture/storage.hpp"

namespace tb::capture {

namespace {

using nlohmann::json;

// The report's context as the session wrote it in the journal (session_start, camera,
// session_end and session fault lines): the same numbers close_session had.
ReportContext context_of(const fs::path& bag, const fs::path& read_from) {
  ReportContext rc;
  rc.bag_name = bag.filename().string();
  rc.stopped_by = "the session was not closed";
  std::ifstream in(read_from / "data" / "journal.jsonl", std::ios::binary);
  std::string line;
  bool started = false;
  while (std::getline(in, line)) {
    const json j = json::parse(line, nullptr, false);
    if (!j.is_object()) continue;
    const std::string type = j.value("type", "");
    auto utc = [&] {
      const auto t = j.contains("utc") && j.at("utc").is_string()
                         ? parse_utc_iso(j.at("utc").get<std::string>())
                         : std::nullopt;
      return t.value_or(UtcTime{});
    };
    if (type == "session_start" && !started) {
      started = true;
      rc.session = j.value("session", "");
      rc.planned = j.value("planned", size_t{0});
      rc.started = utc();
    } else if (type == "camera") {
      rc.camera_model = j.value("model", "");
      rc.camera_serial = j.value("serial", "");
      rc.camera_backend = j.value("backend", "");
    } else if (type == "session_end") {
      rc.complete = j.value("complete", false);
      rc.stopped_by = j.value("stopped_by", "");
      rc.ended = utc();
    } else if (type == "fault" && !j.contains("seq")) {
      rc.session_faults.push_back(j.value("message", ""));
    }
  }
  return rc;
}

std::string dump(const json& j) {
  return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

Status fsync_tree(const fs::path& dir) {
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_directory(ec) && !it->is_symlink(ec)) TB_TRY(fsync_dir(it->path()));
  if (ec) return make_error(Errc::io, "{}: {}", dir.string(), ec.message());
  return fsync_dir(dir);
}

// The twin: data/ (and anything else below the root) hard-linked, the root's own files copied
// (the manifest is appended to in place, so it must not share the original's inode), no lock.
Status make_twin(const fs::path& bag, const fs::path& twin) {
  std::error_code ec;
  fs::create_directory(twin, ec);
  if (ec) return make_error(Errc::io, "cannot create {}: {}", twin.string(), ec.message());
  for (fs::recursive_directory_iterator it(bag, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path rel = fs::relative(it->path(), bag, ec);
    if (ec) break;
    const fs::path to = twin / rel;
    const auto st = it->symlink_status(ec);
    if (ec) break;
    if (fs::is_directory(st)) {
      fs::create_directory(to, ec);
    } else if (!fs::is_regular_file(st)) {
      return make_error(Errc::invalid, "{} is not a regular file or folder; the bag is left as is",
                        it->path().string());
    } else if (rel == Bag::kLockFile) {
      continue;
    } else if (rel.has_parent_path()) {
      fs::create_hard_link(it->path(), to, ec);
    } else {
      fs::copy_file(it->path(), to, ec);
    }
    if (ec) break;
  }
  if (ec)
    return make_error(Errc::io, "cannot build the bag's twin {}: {}", twin.string(), ec.message());
  return ok_status();
}

}  // namespace

Result<json> rebuild_report(const fs::path& bag_dir, const ReportAdditions& add) {
  fs::path bag = fs::absolute(bag_dir).lexically_normal();
  if (bag.filename().empty()) bag = bag.parent_path();  // "BAG/": the twin goes next to it
  // Locked (no session or other rebuild writes it now), closed, and verified: a rebuild
  // re-lists the journal and the report, so it must not bless a changed bag.
  auto orig = open_finished_bag(bag, "nothing was rebuilt");
  if (!orig) return orig.error();
  const auto& info = orig->info;
  std::error_code ec;

  // One fixed name per bag, next to it (same filesystem, hidden from the storage root's
  // listings): a twin left by a killed rebuild is ours to remove, since we hold the lock.
  const fs::path twin = bag.parent_path() / ("." + bag.filename().string() + ".report-rebuild");
  if (fs::exists(fs::symlink_status(twin, ec))) {
    spdlog::info("report: removing {} left by an interrupted rebuild", twin.string());
    fs::remove_all(twin, ec);
    if (ec) return make_error(Errc::io, "cannot remove {}: {}", twin.string(), ec.message());
  }
  TB_TRY(make_twin(bag, twin));
  json report;
  {
    auto copy = Bag::open_existing(twin);
    if (!copy) return copy.error();
    // Streamed (a few words per frame in memory), as close_session builds it.
    auto frames = JournalFrames::index(twin / "data" / "journal.jsonl");
    if (!frames) return frames.error();
    ReportBuilder builder;
    TB_TRY(frames->for_each([&](const FrameRecord& f) {
      builder.add(f);
      return ok_status();
    }));
    report = builder.finish(context_of(bag, twin));
    // What other commands added to report.json (releases, dust) is kept.
    std::ifstream old_in(bag / "data" / "report.json", std::ios::binary);
    const json old = json::parse(old_in, nullptr, false);
    if (old.is_object())
      for (const auto& [k, v] : old.items())
        if (!report.contains(k)) report[k] = v;
    if (add.amend) add.amend(report);
    for (const auto& [rel, bytes] : add.files) {
      if ((*copy)->has(rel)) TB_TRY((*copy)->remove(rel));  // the twin's link only
      auto w = (*copy)->put(rel, std::span<const uint8_t>(bytes));
      if (!w) return w.error();
    }
    auto wj = (*copy)->put("report.json", dump(report));
    if (!wj) return wj.error();
    TB_TRY(put_report_html(**copy, twin, report));
    TB_TRY((*copy)->finalize(info));
    TB_TRY(fsync_tree(twin));
    if (::renameat2(AT_FDCWD, twin.c_str(), AT_FDCWD, bag.c_str(), RENAME_EXCHANGE) != 0)
      return make_error(Errc::io,
                        "cannot swap the rebuilt bag into place ({}: {}); the bag is unchanged",
                        bag.string(), std::strerror(errno));
    TB_TRY(fsync_dir(bag.parent_path()));
    // The old state is now at the twin's name; the new bag keeps the twin's lock until here.
    fs::remove_all(twin, ec);
    if (ec) spdlog::warn("report: {} not removed: {}", twin.string(), ec.message());
  }
  return report;
}

}  // namespace tb::capture
