#pragma once
// A finished session bag opened for delivery (export, copy, sync): locked against writers for
// as long as the object lives, finalized, and verified against its manifests before anything
// reads it, so what leaves the box is exactly what the manifest promises.
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tetherbox/capture/storage.hpp"
#include "tetherbox/common/result.hpp"

namespace tb::delivery {

namespace fs = std::filesystem;

struct SourceBag {
  std::unique_ptr<capture::Bag> bag;        // holds the bag's lock; nothing is written through it
  std::map<std::string, std::string> info;  // bag-info.txt (first value of each key)
  std::vector<std::string> entries;         // manifest paths ("data/..."), sorted
  const fs::path& dir() const { return bag->dir(); }
};

// Reads bag-info.txt ("Key: value" lines; continuation lines joined). Errc::not_found when absent.
Result<std::map<std::string, std::string>> read_bag_info(const fs::path& bag_dir);

// Opens `dir` for reading. Refused, with the cause named:
//   not a folder / no bagit.txt (Errc::not_found / invalid);
//   another process writes it (Errc::busy, naming the holder: a session still running);
//   not finalized: no bag-info.txt or tagmanifest-sha256.txt (Errc::refused: an interrupted
//     session is resumed with `tetherbox run --resume` first);
//   verify fails: every missing, changed or extra file is named (Errc::mismatch).
Result<SourceBag> open_finished_bag(const fs::path& dir);

// True when `inner` is `outer` or lies under it (both made absolute, links resolved as far as
// they exist).
bool path_within(const fs::path& inner, const fs::path& outer);

}  // namespace tb::delivery
