#pragma once
// `tetherbox export BAG --to DIR`: a delivery bag made from a finished session bag. The source
// is locked, finalized and verified first, and only read; every file copied is re-hashed
// against the source manifest as it is read. The new bag is built in a hidden folder next to
// DIR (src/export_staging.hpp: payload unsynced, one syncfs, then manifests and tag files) and
// renamed onto DIR when complete, durable and finalized (new manifests, bag-info naming its
// source), so DIR never holds half an export; the hidden folder of a killed export is removed
// by the next export to DIR.
#include <filesystem>
#include <string>
#include <vector>

#include "tetherbox/common/result.hpp"

namespace tb::delivery {

namespace fs = std::filesystem;

struct ExportOptions {
  fs::path to;                  // must not exist, or be an empty folder; not inside the source
  bool strip_gps = false;       // remove every position (see privacy.hpp), keep UTC time
  bool embed_metadata = false;  // write each frame's sidecar XMP into its image copies
  bool jpeg_only = false;       // originals: JPEG only (RAW left out; sidecars kept)
  bool previews = false;        // include data/previews/ (left out by default)
  std::vector<std::string> categories;  // COCO categories for the dataset skeletons
};

struct ExportSummary {
  fs::path dir;      // the finished export
  size_t files = 0;  // payload files written
  uint64_t bytes = 0;
  size_t images_rewritten = 0;        // images whose embedded metadata changed
  std::vector<std::string> left_out;  // "data/...: why"
};

// Errors (nothing is left at `to`; the source is never written): the source refused by
// open_finished_bag (not finalized, busy, does not verify: files named), `to` inside the
// source or not empty (Errc::invalid), a file that cannot be cleared of its position
// (Errc::unsupported / invalid, named), disk errors.
Result<ExportSummary> export_bag(const fs::path& source, const ExportOptions& opt);

}  // namespace tb::delivery
