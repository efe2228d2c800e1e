#include "tetherbox/delivery/source_bag.hpp"

#include <fmt/format.h>

#include <fstream>

namespace tb::delivery {

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

bool path_within(const fs::path& inner, const fs::path& outer) {
  std::error_code ec;
  const fs::path a = fs::weakly_canonical(fs::absolute(inner), ec);
  const fs::path b = fs::weakly_canonical(fs::absolute(outer), ec);
  auto ai = a.begin();
  for (auto bi = b.begin(); bi != b.end(); ++bi, ++ai) {
    if (bi->empty()) continue;  // trailing separator
    if (ai == a.end() || *ai != *bi) return false;
  }
  return true;
}

Result<SourceBag> open_finished_bag(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    return make_error(Errc::not_found, "{}: no such folder", dir.string());
  if (!fs::exists(dir / "bagit.txt", ec))
    return make_error(Errc::invalid, "{}: not a session bag (bagit.txt missing)", dir.string());
  SourceBag src;
  // Locked first: a session or `release add` writing it is refused, and nothing can change
  // between the verify below and the reads that follow.
  auto bag = capture::Bag::open_existing(dir);
  if (!bag) return bag.error();
  src.bag = std::move(*bag);
  if (!fs::exists(dir / "bag-info.txt", ec) || !fs::exists(dir / "tagmanifest-sha256.txt", ec))
    return make_error(Errc::refused,
                      "{}: the bag is not finalized (an interrupted or running session): finish "
                      "it with `tetherbox run CONFIG --resume {}` first",
                      dir.string(), dir.string());
  auto info = read_bag_info(dir);
  if (!info) return info.error();
  src.info = std::move(*info);
  auto rep = capture::verify_bag(dir);
  if (!rep) return rep.error();
  if (!rep->ok()) {
    std::string what;
    auto list = [&](const char* kind, const std::vector<std::string>& v) {
      for (const auto& f : v) what += fmt::format("\n  {}: {}", kind, f);
    };
    list("missing", rep->missing);
    list("changed", rep->changed);
    list("extra", rep->extra);
    list("problem", rep->problems);
    return make_error(Errc::mismatch,
                      "{}: the bag does not verify against its manifest; nothing was "
                      "delivered:{}",
                      dir.string(), what);
  }
  src.entries = src.bag->entries();
  return src;
}

}  // namespace tb::delivery
