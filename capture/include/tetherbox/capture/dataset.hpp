#pragma once
// Dataset skeletons for labelling: COCO (data/exports/coco/annotations.json) and Pascal VOC
// (data/exports/voc/Annotations/<image>.xml, ImageSets/Main/all.txt). Every image is listed
// with its size read from the file and its UTC capture time; nothing is labelled yet, so COCO
// has empty annotations (every image a negative until someone labels it) and each VOC file has
// no <object>. Image paths are relative to the bag's data/ folder ("frames/x.jpg").
#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "tetherbox/capture/frame_source.hpp"
#include "tetherbox/capture/record.hpp"
#include "tetherbox/capture/storage.hpp"
#include "tetherbox/common/result.hpp"

namespace tb::capture {

struct DatasetImage {
  uint64_t id = 0;        // 1-based, in seq order
  std::string file_name;  // relative to data/: "frames/x.jpg" (or "previews/x.jpg")
  int width = 0, height = 0;
  std::string date_captured;  // the frame's trigger time, UTC ISO 8601
  const FrameRecord* frame = nullptr;
};

// One image per frame: its JPEG original, else its preview, when that file exists under
// bag_dir; frames with neither (RAW only, previews not delivered) or an unreadable JPEG are
// named in *left_out ("name: why").
std::vector<DatasetImage> dataset_images(const std::vector<FrameRecord>& frames,
                                         const fs::path& bag_dir,
                                         std::vector<std::string>* left_out);

// Where the skeletons read an image's size from: the file a path of the journal ("data/...")
// names, or nullopt when the bag being described does not hold it. An export asks before its
// own copies are written: it answers with the source's file for what it delivers.
using ImageLocator = std::function<std::optional<fs::path>(const std::string& journal_path)>;
// The files of the bag at `bag_dir`, as they are on disk.
ImageLocator images_in(const fs::path& bag_dir);

// The image of one frame (as dataset_images picks it), or nullopt with *why_not ("name: why").
// The result points at `f`.
std::optional<DatasetImage> dataset_image(const FrameRecord& f, const fs::path& bag_dir,
                                          uint64_t id, std::string* why_not);
std::optional<DatasetImage> dataset_image(const FrameRecord& f, const ImageLocator& locate,
                                          uint64_t id, std::string* why_not);
// One entry of COCO's "images".
nlohmann::json coco_image(const DatasetImage& image);

// COCO object-detection layout: info, licenses, images, annotations ([]), categories (ids
// 1..n in the order given).
nlohmann::json coco_skeleton(const std::vector<DatasetImage>& images,
                             const std::vector<std::string>& categories);
// One Pascal VOC annotation file: folder, filename, size (depth 3), segmented 0, no object.
std::string voc_annotation(const DatasetImage& image);

// Where write_dataset_skeletons puts its files (paths under data/): a bag being closed (each
// file staged and committed) or an export being built (written unsynced, durable at once).
class DatasetSink {
 public:
  virtual ~DatasetSink() = default;
  // A whole small file (a VOC annotation) with the SHA-256 of its bytes.
  virtual Status put(const std::string& rel, std::span<const uint8_t> bytes,
                     const std::string& sha256) = 0;
  // A file written in pieces, in order (COCO, the image list): begin() gives its handle,
  // append() adds bytes, end() completes it with the SHA-256 of all of them.
  virtual Result<size_t> begin(const std::string& rel) = 0;
  virtual Status append(size_t handle, std::span<const uint8_t> bytes) = 0;
  virtual Status end(size_t handle, const std::string& sha256) = 0;
  // After the last file: what the sink batched is committed.
  virtual Status finish() { return ok_status(); }
};

// Both skeletons for the images of `frames` that `locate` finds, in one pass, each file
// written as its image comes, so the memory does not grow with the session. Returns how many
// files were written; their paths go to *written when given.
Result<size_t> write_dataset_skeletons(DatasetSink& out, const FrameSource& frames,
                                       const ImageLocator& locate,
                                       const std::vector<std::string>& categories,
                                       std::vector<std::string>* written = nullptr);
// The images found under `image_root` (a bag's folder).
Result<size_t> write_dataset_skeletons(DatasetSink& out, const FrameSource& frames,
                                       const fs::path& image_root,
                                       const std::vector<std::string>& categories,
                                       std::vector<std::string>* written = nullptr);

// Into the bag itself (exports/ is rewritable: a resumed session's close rewrites them).
Result<size_t> write_dataset_skeletons(Bag& bag, const FrameSource& frames,
                                       const std::vector<std::string>& categories,
                                       std::vector<std::string>* written = nullptr);
Result<std::vector<std::string>> write_dataset_skeletons(
    Bag& bag, const std::vector<FrameRecord>& frames, const std::vector<std::string>& categories);

}  // namespace tb::capture
