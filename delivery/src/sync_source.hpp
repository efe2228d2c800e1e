#pragma once
// The source of a sync, opened in two steps so the upload need not wait for the hashing: the
// bag is locked and checked finalized first (open_locked_bag), and verified against its
// manifests (verify_status) while rclone sends files that are new on the remote. Private to
// delivery/src.
#include <filesystem>

#include "tetherbox/capture/storage.hpp"
#include "tetherbox/common/result.hpp"
#include "tetherbox/delivery/source_bag.hpp"

namespace tb::delivery {

// open_finished_bag without its verification: locked (a writer is refused, Errc::busy) and
// finalized (Errc::refused otherwise), bag-info read, entries listed.
Result<SourceBag> open_locked_bag(const std::filesystem::path& dir);
// The verification's outcome as open_finished_bag words it (every missing, changed, extra
// file named), with `after` saying what became of the sync.
Status verify_status(const std::filesystem::path& dir, const Result<capture::VerifyReport>& rep,
                     const char* after);

}  // namespace tb::delivery
