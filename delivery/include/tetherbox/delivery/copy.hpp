#pragma once
// `tetherbox copy BAG DIR`: a second local copy of a finished bag (another disk), verified by
// hash, recorded in the bag's delivery log.
//
// The copy is built in DIR/.<bag>.copy-partial (a fixed name, so an interrupted copy is resumed:
// a file already there whose SHA-256 matches the source manifest is kept, anything else is
// written again), every file written temp -> fsync -> rename (capture::write_file_atomic). When
// every file is there, the partial copy is verified (capture::verify_bag: every manifest entry
// re-hashed on the destination, no extra file) and only then renamed onto DIR/<bag>.
//
// The delivery log, <bag>.delivery.jsonl beside the bag folder, is outside the bag so the bag's
// files and hashes never change (verify treats any file in the bag that no manifest lists as
// an extra): one fsync'd JSON line per verified copy or sync
// ({"type":"copy","place":"/mnt/b/<bag>","utc":...,"files":N,"bytes":B,
// "manifest_sha256":...}). `tetherbox prune` counts places from it.
#include <filesystem>
#include <string>
#include <vector>

#include "tetherbox/common/result.hpp"

namespace tb::delivery {

namespace fs = std::filesystem;

// <storage root>/<bag name>.delivery.jsonl
fs::path delivery_log_path(const fs::path& bag);

struct CopySummary {
  fs::path dest;             // DIR/<bag>
  size_t files_written = 0;  // written by this run
  size_t files_kept = 0;     // already in the partial copy with the right hash (resumed)
  uint64_t bytes_written = 0;
  bool already_there = false;  // DIR/<bag> existed and verified identical: only recorded
};

// Errors: the source refused (open_finished_bag), DIR inside the bag, DIR/<bag> existing but
// not an identical verified copy (Errc::invalid: nothing overwritten), disk errors (the partial
// copy is kept for the next run to resume).
Result<CopySummary> copy_bag(const fs::path& bag, const fs::path& dir);

struct DeliveryRecord {
  std::string type;  // "copy" | "sync"
  std::string place;
  std::string utc;
  std::string manifest_sha256;
};
// The bag's delivery log (empty when there is none).
Result<std::vector<DeliveryRecord>> read_delivery_log(const fs::path& bag);

}  // namespace tb::delivery
