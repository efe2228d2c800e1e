#pragma once
// Can a session write under the storage root now? Asked before `start` replies (so a read-only
// or full disk is the request's error, not a session that dies at its first write) and by
// `status` while idle.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace tb::daemon {

// Why a session could not write under `root`, or nullopt. Writes nothing: a root not made yet
// is judged by its nearest existing parent (the runner creates the rest). Full means free space
// at or below the reserve plus one frame (`frame_bytes`, 0 when not known yet).
std::optional<std::string> storage_problem(const std::filesystem::path& root, uint64_t reserve_mb,
                                           double frame_bytes);

}  // namespace tb::daemon
