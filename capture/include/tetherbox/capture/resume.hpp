#pragma once
// Reading a session's journal back: what is already durable, where to continue.
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "tetherbox/capture/record.hpp"
#include "tetherbox/capture/storage.hpp"
#include "tetherbox/common/result.hpp"

namespace tb::capture {

struct JournalState {
  std::vector<FrameRecord> frames;  // in journal order
  std::set<uint64_t> done_seqs;
  // Names of the frames whose preview line (made or skipped) is journaled: by name, since an
  // in-place retake shares its superseded frame's seq and needs a preview of its own.
  std::set<std::string> preview_seen;
  uint64_t next_request_id = 1;
  std::string plan_fingerprint;  // from session_start
  std::vector<std::string> session_faults;
  bool torn_tail = false;                // the last line was cut by a crash (repaired)
  size_t orphans_removed = 0;            // files of ours removed (never journaled: retaken)
  size_t relisted = 0;                   // journaled files whose lost manifest line was restored
  std::vector<std::string> quarantined;  // "data/..." paths moved to <bag>/quarantine/
  std::vector<std::string> retaken;      // frame names whose files were missing or changed
};

// Reads data/journal.jsonl of `bag`. With repair (see storage.hpp, DURABILITY PROTOCOL):
// rewrites a torn journal without its partial last line; re-lists journaled files whose
// manifest line was lost (hash checked against the journal); drops frames whose files are
// missing or changed from the state (journaling a retake fault) so the runner takes them
// again; removes frame files of ours that no journal line claims; quarantines everything
// under data/ the bag did not write. A bag without a journal (crash right after creation)
// loads as empty. A claimed file is checked by presence and size (a 100 000-frame bag resumes
// in seconds; a flipped byte of the same size goes unnoticed); with rehash it is re-hashed
// against the journal's SHA-256 too, and a mismatch is a changed file (quarantined, retaken).
Result<JournalState> load_journal(Bag& bag, bool repair, bool rehash = false);

// A stable text fingerprint of the planned shots; resume refuses a changed plan.
std::string plan_fingerprint_of(const std::vector<std::string>& shot_keys);

}  // namespace tb::capture
