#pragma once
// Retake in place: the names a retake gets and, on resume, the retakes the journal promised
// but does not hold yet (a kill between a blurred frame and its retake).
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "tetherbox/capture/record.hpp"

namespace tb::capture::quality {

// "<base>_r<number>", made longer with "x" until it is none of `taken` (the plan's own names
// and every name already in the bag), so a retake never lands on another frame's files.
std::string retake_name(const std::string& base, int number, const std::set<std::string>& taken);

// A plan position whose last frame is marked superseded by a frame the journal does not hold.
struct PendingRetake {
  std::string base;        // the name of the position's first frame
  std::string superseded;  // the frame the retake replaces
  std::string name;        // the name that frame promised
  int number = 1;          // the retake's number
};

// From the frames already durable, in journal order, keyed by seq.
std::map<uint64_t, PendingRetake> pending_retakes(const std::vector<FrameRecord>& frames);

}  // namespace tb::capture::quality
