#include "tetherbox/delivery/release.hpp"

#include <fmt/format.h>
#include <fnmatch.h>
#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "tetherbox/capture/exports.hpp"
#include "tetherbox/capture/preflight.hpp"
#include "tetherbox/capture/release_copy.hpp"
#include "tetherbox/capture/report.hpp"
#include "tetherbox/capture/resume.hpp"
#include "tetherbox/capture/storage.hpp"
#include "tetherbox/common/time_utc.hpp"
#include "tetherbox/delivery/source_bag.hpp"

namespace tb::delivery {

namespace {

std::string dump(const nlohmann::json& j, int indent = -1) {
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string head_text(const std::vector<uint8_t>& head) {
  std::string out;
  for (size_t i = 0; i < head.size() && i < 8; ++i) out += fmt::format("{:02x} ", head[i]);
  if (!out.empty()) out.pop_back();
  return out.empty() ? "nothing (empty file)" : out;
}

ReleaseEntry entry_from(const nlohmann::json& j) {
  ReleaseEntry e;
  e.path = j.value("path", "");
  e.type = j.value("file_type", "");
  e.kind = j.value("kind", "");
  e.subject = j.value("subject", "");
  e.sha256 = j.value("sha256", "");
  e.utc = j.value("utc", "");
  if (j.contains("frames") && j["frames"].is_array())
    for (const auto& f : j["frames"])
      if (f.is_string()) e.frames.push_back(f.get<std::string>());
  return e;
}

Result<std::vector<ReleaseEntry>> read_entries(const fs::path& bag) {
  auto lines = capture::Journal::read_lines(bag / "data" / "journal.jsonl");
  if (!lines) return lines.error();
  std::vector<ReleaseEntry> out;
  for (const auto& line : *lines) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_object() && j.value("type", "") == "release") out.push_back(entry_from(j));
  }
  return out;
}

nlohmann::json to_json(const ReleaseEntry& e) {
  return {{"path", e.path},     {"file_type", e.type}, {"kind", e.kind},    {"subject", e.subject},
          {"sha256", e.sha256}, {"utc", e.utc},        {"frames", e.frames}};
}

}  // namespace

std::string release_type_of(const std::vector<uint8_t>& b) {
  auto starts = [&](std::initializer_list<uint8_t> magic) {
    return b.size() >= magic.size() && std::equal(magic.begin(), magic.end(), b.begin());
  };
  if (starts({'%', 'P', 'D', 'F', '-'})) return "PDF";
  if (starts({0xFF, 0xD8, 0xFF})) return "JPEG";
  if (starts({0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A})) return "PNG";
  return "";
}

Result<ReleaseEntry> add_release(const fs::path& bag_dir, const ReleaseAdd& r) {
  if (r.kind != "model" && r.kind != "property")
    return make_error(Errc::invalid, "release kind '{}': expected model or property", r.kind);
  if (r.subject.empty()) return make_error(Errc::invalid, "release: --subject is empty");
  struct stat st {};
  if (::stat(r.file.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
    return make_error(Errc::invalid, "release {}: not a readable regular file", r.file.string());
  if (static_cast<uint64_t>(st.st_size) > capture::kMaxReleaseBytes)
    return make_error(Errc::invalid, "release {}: {} bytes; a release is at most {} MB",
                      r.file.string(), st.st_size, capture::kMaxReleaseBytes >> 20);
  std::vector<uint8_t> head(8);
  {
    std::ifstream in(r.file, std::ios::binary);
    if (!in) return make_error(Errc::invalid, "release {}: cannot be read", r.file.string());
    in.read(reinterpret_cast<char*>(head.data()), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<size_t>(in.gcount()));
  }
  const std::string type = release_type_of(head);
  if (type.empty())
    return make_error(Errc::invalid,
                      "release {}: not a PDF, JPEG or PNG by its content (it starts with {}); "
                      "a release is a scanned or signed document",
                      r.file.string(), head_text(head));

  auto src = open_finished_bag(bag_dir);  // locked, finalized, verified
  if (!src) return src.error();
  capture::Bag& bag = *src->bag;
  auto state = capture::load_journal(bag, false);
  if (!state) return state.error();
  ReleaseEntry e;
  e.type = type;
  e.kind = r.kind;
  e.subject = r.subject;
  for (const auto& f : state->frames)
    if (r.frames.empty() || ::fnmatch(r.frames.c_str(), f.name.c_str(), 0) == 0)
      e.frames.push_back(f.name);
  if (e.frames.empty())
    return make_error(Errc::invalid, "release --frames '{}' matches none of the bag's {} frames",
                      r.frames, state->frames.size());

  std::string ext = r.file.extension().string();
  if (ext.empty()) ext = type == "PDF" ? ".pdf" : type == "JPEG" ? ".jpg" : ".png";
  const std::string stem =
      fmt::format("{}_{}_{}", r.kind, capture::export_file_part(r.subject), capture::export_file_part(r.file.stem().string()));
  std::string name = stem + capture::export_file_part(ext.substr(1)).insert(0, ".");
  for (int i = 2; bag.has("releases/" + name) || fs::exists(bag.data_dir() / "releases" / name);
       ++i)
    name = fmt::format("{}-{}.{}", stem, i, capture::export_file_part(ext.substr(1)));
  capture::ReleaseFile rf{r.file.string(), name, static_cast<uint64_t>(st.st_size), type};
  // Order: the file is durable and listed, then the journal line claims it, then the report and
  // the tag files follow. A crash between leaves a listed file the journal does not name yet,
  // never a journal line naming a file that is not there.
  TB_TRY(capture::copy_releases(bag, {rf}));
  e.path = "data/releases/" + name;
  e.sha256 = bag.listed_sha256("releases/" + name);
  e.utc = format_utc_iso(std::chrono::system_clock::now());
  nlohmann::json line = to_json(e);
  line["type"] = "release";
  {
    auto journal = capture::Journal::open(bag.data_dir() / "journal.jsonl");
    if (!journal) return journal.error();
    TB_TRY((*journal)->append(dump(line)));
  }
  // The report carries every release and the frames it covers (read back from the journal).
  auto all = read_entries(bag.dir());
  if (!all) return all.error();
  if (bag.has("report.json")) {
    std::ifstream in(bag.data_dir() / "report.json", std::ios::binary);
    auto report = nlohmann::json::parse(in, nullptr, false);
    if (report.is_object()) {
      report["releases"] = nlohmann::json::array();
      for (const auto& x : *all) report["releases"].push_back(to_json(x));
      auto w = bag.put("report.json", dump(report, 2) + "\n");
      if (!w) return w.error();
      auto h = bag.put("report.html", capture::render_report_html(bag.dir(), report));
      if (!h) return h.error();
    }
  }
  std::map<std::string, std::string> info = src->info;
  TB_TRY(bag.finalize(info));
  return e;
}

Result<std::vector<ReleaseEntry>> list_releases(const fs::path& bag) {
  std::error_code ec;
  if (!fs::exists(bag / "bagit.txt", ec))
    return make_error(Errc::invalid, "{}: not a session bag (bagit.txt missing)", bag.string());
  return read_entries(bag);
}

}  // namespace tb::delivery
