#pragma once
// `tetherbox prune ROOT`: frees the space of bags that live in enough other places. A bag is
// removed only when it is finalized, no process holds its lock (never the open bag), and its
// delivery log (copy.hpp) names at least `copies_required` distinct places holding its current
// content (same manifest hash); a local copy counts only while it is still there with that
// manifest, a remote only while its manifest read back (rclone cat) has that hash. The delivery log stays, so where a pruned bag lives is still known.
#include <filesystem>
#include <string>
#include <vector>

#include "tetherbox/common/result.hpp"

namespace tb::delivery {

namespace fs = std::filesystem;

struct PruneDecision {
  fs::path bag;
  bool prune = false;               // removed (or, with dry_run, would be)
  std::string why;                  // for a person: the places, or what is missing
  std::vector<std::string> places;  // places that count
  uint64_t bytes = 0;
};

Result<std::vector<PruneDecision>> prune_bags(const fs::path& root, int copies_required,
                                              bool dry_run);

}  // namespace tb::delivery
