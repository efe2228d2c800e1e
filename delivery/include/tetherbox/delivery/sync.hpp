#pragma once
// `tetherbox sync BAG REMOTE`: the bag to any rclone remote (S3, GCS, ... as the user's
// rclone.conf or RCLONE_CONFIG_* variables define it), verified by hash.
//
// The remote gets REMOTE/<bag>/ holding the selected payload files and its own tag files: a
// manifest-sha256.txt listing exactly the files sent (the source's lines for them), bag-info.txt
// (with Tetherbox-Partial when not every file was selected) and a tagmanifest, so
// `tetherbox verify` works on a download of even a partial copy. rclone copy sends only what is
// missing or differs (a cut upload resumes by running sync again). The bag is locked, then
// verified against its manifest's SHA-256 while the first copy runs; that copy may only add
// files (--immutable), so a bag damaged on this disk never replaces a file the remote holds, and
// the tag files are sent only once the bag verified. The remote is checked without reading it
// back where it can be: `rclone copy --checksum` compares each local file's MD5 with the
// remote's (S3: the ETag of a single-part object, rclone's md5chksum metadata for a multipart
// one), resends what differs and checks every upload's MD5 after transfer, and its debug log
// names each file so checked. Every other selected file and tag file (a remote without MD5) is
// downloaded and hashed with SHA-256 against the manifest (the tag files against their own):
// one missing there is named. A file that differs is sent again once (rclone copy would
// skip one of the same size and time when it has no hash to compare) and checked again; only
// when every selected entry and tag file matches is the sync recorded in the delivery log
// (copy.hpp): "sync" for a whole bag (counts as a place for prune), "sync-partial" otherwise.
#include <filesystem>
#include <string>
#include <vector>

#include "tetherbox/common/result.hpp"

namespace tb::delivery {

namespace fs = std::filesystem;

struct SyncOptions {
  std::string remote;     // rclone "name:path"; the bag goes to remote/<bag name>
  std::string bwlimit;    // rclone --bwlimit value ("" = none)
  bool previews = false;  // previews, report, records and exports only
  fs::path select;        // file of frame names or globs, one a line: those frames' files too
  std::string rclone = "rclone";
};

struct SyncSummary {
  std::string place;  // remote/<bag>
  size_t files = 0;   // payload files the remote holds and verified
  size_t total = 0;   // payload files of the bag
  bool partial = false;
};

// Errors: the source refused (as open_finished_bag words it; its files may already be on the
// remote as new files, never as replacements, and without tag files); rclone missing or
// failing (its own message, e.g. refused credentials; Errc::io); a file on the remote whose hash
// differs from the manifest or that is missing (Errc::mismatch, named). Nothing is recorded on
// error.
Result<SyncSummary> sync_bag(const fs::path& bag, const SyncOptions& opt);

// The payload entries ("data/...") a selection sends.
std::vector<std::string> select_entries(const std::vector<std::string>& entries, bool previews,
                                        const std::vector<std::string>& frame_globs);

}  // namespace tb::delivery
