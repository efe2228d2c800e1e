#pragma once
// Bags in a storage root and their state, as tetherboxd reports them (`sessions`) and finds
// the one a crash or power cut left open.
#include <filesystem>
#include <string>
#include <vector>

namespace tb::daemon {

struct BagState {
  std::filesystem::path dir;
  // "complete", "incomplete" (closed early, resumable), "open" (never finalized: a crash or
  // power cut; resumable), "in use" (another process holds its lock)
  std::string state;
  size_t frames = 0;  // frame lines in its journal
};

std::vector<BagState> list_bags(const std::filesystem::path& root);
std::vector<BagState> open_bags(const std::filesystem::path& root);

}  // namespace tb::daemon
