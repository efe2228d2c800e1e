#pragma once
// A closed session bag opened to be read as a whole (export, copy, sync, report rebuild):
// locked against writers for as long as the object lives, finalized, and verified against its
// manifests before anything reads it, so what is delivered or rebuilt is exactly what the
// manifest promises.
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tetherbox/capture/storage.hpp"
#include "tetherbox/common/result.hpp"

namespace tb::capture {

struct FinishedBag {
  std::unique_ptr<Bag> bag;                 // holds the bag's lock; nothing is written through it
  std::map<std::string, std::string> info;  // bag-info.txt (first value of each key)
  std::vector<std::string> entries;         // manifest paths ("data/..."), sorted
  const std::filesystem::path& dir() const { return bag->dir(); }
};

// Reads bag-info.txt ("Key: value" lines; RFC 8493 continuation lines joined; the first value
// of a repeated key). Errc::not_found when absent.
Result<std::map<std::string, std::string>> read_bag_info(const std::filesystem::path& bag_dir);

// Opens `dir` for reading. Refused, with the cause named:
//   not a folder / no bagit.txt (Errc::not_found / invalid);
//   another process writes it (Errc::busy, naming the holder: a session still running);
//   not finalized: no bag-info.txt or tagmanifest-sha256.txt (Errc::refused: an interrupted
//     session is resumed with `tetherbox run --resume` first);
//   verify fails: every missing, changed or extra file is named (Errc::mismatch), with
//     `nothing_done` ("nothing was delivered") saying what the refusal spared.
Result<FinishedBag> open_finished_bag(const std::filesystem::path& dir,
                                      std::string_view nothing_done);

// open_finished_bag in two steps, for a reader that starts before the verification ends (sync
// uploads while it hashes): locked, finalized, bag-info read, entries listed ...
Result<FinishedBag> open_closed_bag(const std::filesystem::path& dir);
// ... and the verification's outcome worded as open_finished_bag words it.
Status refuse_unverified(const std::filesystem::path& dir, const Result<VerifyReport>& rep,
                         std::string_view nothing_done);

}  // namespace tb::capture
