#pragma once
// A finished session bag opened for delivery (export, copy, sync): capture's FinishedBag
// (locked, finalized, verified before anything reads it).
#include <filesystem>

#include "tetherbox/capture/finished_bag.hpp"
#include "tetherbox/common/result.hpp"

namespace tb::delivery {

namespace fs = std::filesystem;

using SourceBag = capture::FinishedBag;
using capture::read_bag_info;

// capture::open_finished_bag for a delivery: a bag that does not verify delivers nothing.
inline Result<SourceBag> open_finished_bag(const fs::path& dir) {
  return capture::open_finished_bag(dir, "nothing was delivered");
}

// True when `inner` is `outer` or lies under it (both made absolute, links resolved as far as
// they exist).
bool path_within(const fs::path& inner, const fs::path& outer);

}  // namespace tb::delivery
