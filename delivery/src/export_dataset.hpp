#pragma once
// The dataset skeletons of an export (COCO, Pascal VOC: capture/dataset.hpp), written with the
// rest of its payload: no fsync per file (one VOC file per image made them most of an export's
// time when each went through a bag commit), made durable by the staging's one syncfs.
#include <atomic>
#include <string>
#include <vector>

#include "export_staging.hpp"
#include "tetherbox/capture/dataset.hpp"
#include "tetherbox/common/result.hpp"

namespace tb::delivery {

// The frames of the export's own (stripped) journal, already in the staging, whose image
// `locate` finds (what the export holds: --jpeg-only and --previews change which), with
// `categories`: capture::write_dataset_skeletons into the staging, streamed (the same files
// and bytes as a session's close writes). Runs beside the payload: once `stop` is set (the
// payload failed) it ends with Errc::cancelled instead of writing files nobody will keep.
// Returns how many files were written.
Result<size_t> write_export_skeletons(ExportStaging& out, const capture::ImageLocator& locate,
                                      const std::vector<std::string>& categories,
                                      const std::atomic<bool>& stop);

}  // namespace tb::delivery
