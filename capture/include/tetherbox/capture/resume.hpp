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
  std::vector<FrameRecord> frames;   // in journal order
  std::set<uint64_t> done_seqs;
  std::set<uint64_t> preview_seen;   // frames whose preview line (made or skipped) is journaled
  uint64_t next_request_id = 1;
  std::string plan_fingerprint;      // from session_start
  std::vector<std::string> session_faults;
  bool torn_tail = false;            // the last line was cut by a crash (repaired)
  size_t orphans_removed = 0;
};

// Reads data/journal.jsonl of `bag`. With repair: rewrites a torn journal without its partial
// last line, and removes frame files the manifest lists but no journal line claims (a crash
// between writing a frame and journaling it), so the frame is simply taken again.
Result<JournalState> load_journal(Bag& bag, bool repair);

// A stable text fingerprint of the planned shots; resume refuses a changed plan.
std::string plan_fingerprint_of(const std::vector<std::string>& shot_keys);

}  // namespace tb::capture
