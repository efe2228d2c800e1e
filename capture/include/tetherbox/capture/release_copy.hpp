#pragma once
// Model/property releases into data/releases/: checked readable before the bag exists, then
// streamed (never read whole into memory) and hashed while copied.
#include <vector>

#include "tetherbox/capture/preflight.hpp"
#include "tetherbox/capture/storage.hpp"
#include "tetherbox/common/result.hpp"

namespace tb::capture {

// Each release still opens for reading as a regular file (preflight checked it earlier; this
// runs right before the bag is made, so a file removed since is refused with no bag).
Status check_releases_readable(const std::vector<ReleaseFile>& releases);
// Copies every release into the bag; on failure nothing else in the bag is touched.
Status copy_releases(Bag& bag, const std::vector<ReleaseFile>& releases);

}  // namespace tb::capture
