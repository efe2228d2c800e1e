#include "sync_source.hpp"

#include <fmt/format.h>

namespace tb::delivery {

Result<SourceBag> open_locked_bag(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    return make_error(Errc::not_found, "{}: no such folder", dir.string());
  if (!fs::exists(dir / "bagit.txt", ec))
    return make_error(Errc::invalid, "{}: not a session bag (bagit.txt missing)", dir.string());
  SourceBag src;
  // Locked first: nothing can change between the verification and the reads that follow.
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
  src.entries = src.bag->entries();
  return src;
}

Status verify_status(const fs::path& dir, const Result<capture::VerifyReport>& rep,
                     const char* after) {
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
                    dir.string(), after, what);
}

}  // namespace tb::delivery
