#include "tetherbox/capture/finished_bag.hpp"

#include <fmt/format.h>

#include <fstream>

namespace tb::capture {

namespace fs = std::filesystem;

Result<std::map<std::string, std::string>> read_bag_info(const fs::path& bag_dir) {
  const fs::path p = bag_dir / "bag-info.txt";
  std::ifstream in(p, std::ios::binary);
  if (!in) return make_error(Errc::not_found, "{}: cannot be read", p.string());
  std::map<std::string, std::string> info;
  std::string line, last;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    // RFC 8493 2.2.2: a line that starts with white space continues the previous value.
    if ((line[0] == ' ' || line[0] == '\t') && !last.empty()) {
      info[last] += " " + line.substr(line.find_first_not_of(" \t"));
      continue;
    }
    const auto colon = line.find(':');
    if (colon == std::string::npos || colon == 0) continue;
    std::string key = line.substr(0, colon);
    std::string value = line.substr(colon + 1);
    if (!value.empty() && value[0] == ' ') value.erase(0, 1);
    if (!info.contains(key)) info[key] = value;
    last = key;
  }
  return info;
}

Result<FinishedBag> open_closed_bag(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    return make_error(Errc::not_found, "{}: no such folder", dir.string());
  if (!fs::exists(dir / "bagit.txt", ec))
    return make_error(Errc::invalid, "{}: not a session bag (bagit.txt missing)", dir.string());
  FinishedBag out;
  // Locked first: a session, a rebuild or `release add` writing it is refused, and nothing can
  // change between the verify and the reads that follow.
  auto bag = Bag::open_existing(dir);
  if (!bag) return bag.error();
  out.bag = std::move(*bag);
  if (!fs::exists(dir / "bag-info.txt", ec) || !fs::exists(dir / "tagmanifest-sha256.txt", ec))
    return make_error(Errc::refused,
                      "{}: the bag is not finalized (its session was not closed: interrupted or "
                      "still running): finish it with `tetherbox run CONFIG --resume {}` first",
                      dir.string(), dir.string());
  auto info = read_bag_info(dir);
  if (!info) return info.error();
  out.info = std::move(*info);
  out.entries = out.bag->entries();
  return out;
}

Status refuse_unverified(const fs::path& dir, const Result<VerifyReport>& rep,
                         std::string_view nothing_done) {
  if (!rep) return rep.error();
  if (rep->ok()) return ok_status();
  std::string what;
  auto list = [&](const char* kind, const std::vector<std::string>& v) {
    for (const auto& f : v) what += fmt::format("\n  {}: {}", kind, f);
  };
  list("missing", rep->missing);
  list("changed", rep->changed);
  list("extra", rep->extra);
  list("problem", rep->problems);
  return make_error(Errc::mismatch, "{}: the bag does not verify against its manifest; {}:{}",
                    dir.string(), nothing_done, what);
}

Result<FinishedBag> open_finished_bag(const fs::path& dir, std::string_view nothing_done) {
  auto out = open_closed_bag(dir);
  if (!out) return out.error();
  TB_TRY(refuse_unverified(dir, verify_bag(dir), nothing_done));
  return out;
}

}  // namespace tb::capture
