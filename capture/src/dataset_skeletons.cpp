// The dataset skeletons (COCO, Pascal VOC) of a set of frames, written through a DatasetSink:
// the one loop a session's close (into its bag) and an export (into its staging) both use.
#include <spdlog/spdlog.h>

#include <map>
#include <optional>

#include "export_stream.hpp"
#include "tetherbox/capture/dataset.hpp"

namespace tb::capture {

namespace {

std::span<const uint8_t> bytes_of(std::string_view text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

// A file of the sink written in pieces: buffered (the sink sees large writes) and hashed as
// it goes.
class SinkStream {
 public:
  static Result<SinkStream> open(DatasetSink& sink, const std::string& rel) {
    auto h = sink.begin(rel);
    if (!h) return h.error();
    return SinkStream(sink, *h);
  }
  Status write(std::string_view text) {
    buf_.append(text);
    return buf_.size() >= kFlushAt ? flush() : ok_status();
  }
  Status done() {
    TB_TRY(flush());
    auto sha = hash_.finish();
    if (!sha) return sha.error();
    return sink_->end(handle_, *sha);
  }

 private:
  static constexpr size_t kFlushAt = 1u << 20;
  SinkStream(DatasetSink& sink, size_t handle) : sink_(&sink), handle_(handle) {}
  Status flush() {
    if (buf_.empty()) return ok_status();
    hash_.update(buf_.data(), buf_.size());
    TB_TRY(sink_->append(handle_, bytes_of(buf_)));
    buf_.clear();
    return ok_status();
  }
  DatasetSink* sink_;
  size_t handle_;
  detail::Sha256 hash_;
  std::string buf_;
};

// Into a bag: the small files are committed in batches, each batch's manifest lines (the
// intent) durable before any of its files has its name, so a crash while writing them leaves
// only what resume recognises as ours (a file renamed outside a commit would be quarantined).
// Batches bound the open temp files for a 100 000-frame session.
class BagSink final : public DatasetSink {
 public:
  explicit BagSink(Bag& bag) : bag_(bag) {}
  Status put(const std::string& rel, std::span<const uint8_t> bytes,
             const std::string& sha256) override {
    auto st = bag_.stage(rel);
    if (!st) return st.error();
    TB_TRY(st->file.write(bytes));
    st->sha256 = sha256;
    batch_.push_back(std::move(*st));
    return batch_.size() >= kBatch ? commit_batch() : ok_status();
  }
  Result<size_t> begin(const std::string& rel) override {
    auto st = bag_.stage(rel);
    if (!st) return st.error();
    const size_t h = next_++;
    streams_.emplace(h, std::move(*st));
    return h;
  }
  Status append(size_t handle, std::span<const uint8_t> bytes) override {
    return streams_.at(handle).file.write(bytes);
  }
  Status end(size_t handle, const std::string& sha256) override {
    auto node = streams_.extract(handle);
    node.mapped().sha256 = sha256;
    std::vector<Bag::Staged> one;
    one.push_back(std::move(node.mapped()));
    return bag_.commit(one);
  }
  Status finish() override { return commit_batch(); }

 private:
  static constexpr size_t kBatch = 256;
  Status commit_batch() {
    if (batch_.empty()) return ok_status();
    TB_TRY(bag_.commit(batch_));
    batch_.clear();
    return ok_status();
  }
  Bag& bag_;
  std::vector<Bag::Staged> batch_;
  std::map<size_t, Bag::Staged> streams_;
  size_t next_ = 0;
};

}  // namespace

Result<size_t> write_dataset_skeletons(DatasetSink& out, const FrameSource& all_frames,
                                       const ImageLocator& locate,
                                       const std::vector<std::string>& categories,
                                       std::vector<std::string>* written) {
  const WithoutSuperseded frames(all_frames);  // a blurred frame's retake stands for it
  // Frame names and categories come from YAML and cameras: never let a bad byte throw
  // (export_stream dumps with invalid UTF-8 replaced). COCO's keys sort "images" before
  // "info", so the head is known before the first image and the tail (whose date is the
  // first image's) after the last.
  auto coco = SinkStream::open(out, "exports/coco/annotations.json");
  if (!coco) return coco.error();
  auto list = SinkStream::open(out, "exports/voc/ImageSets/Main/all.txt");
  if (!list) return list.error();
  TB_TRY(coco->write(json_frame(coco_skeleton({}, categories), "images").head));
  size_t files = 0;
  uint64_t images = 0;
  std::optional<DatasetImage> first;
  TB_TRY(frames.for_each([&](const FrameRecord& f) -> Status {
    std::string why;
    auto img = dataset_image(f, locate, images + 1, &why);
    if (!img) {
      spdlog::warn("dataset skeletons: left out {}", why);
      return ok_status();
    }
    TB_TRY(coco->write(json_element(coco_image(*img), 1, images == 0)));
    ++images;
    if (!first) {
      first = *img;
      first->frame = nullptr;  // only its date is kept past this visit
    }
    const std::string stem = fs::path(img->file_name).stem().string();
    const std::string rel = "exports/voc/Annotations/" + stem + ".xml";
    const std::string xml = voc_annotation(*img);
    TB_TRY(out.put(rel, bytes_of(xml), sha256_hex(bytes_of(xml))));
    ++files;
    if (written) written->push_back(rel);
    return list->write(stem + "\n");
  }));
  TB_TRY(out.finish());
  std::vector<DatasetImage> first_only;
  if (first) first_only.push_back(*first);
  TB_TRY(coco->write(json_array_end(images, 1) +
                     json_frame(coco_skeleton(first_only, categories), "images").tail + "\n"));
  TB_TRY(list->done());
  TB_TRY(coco->done());
  files += 2;
  if (written) {
    written->push_back("exports/voc/ImageSets/Main/all.txt");
    written->push_back("exports/coco/annotations.json");
  }
  spdlog::info("dataset skeletons: {} images (COCO, Pascal VOC) in data/exports/", images);
  return files;
}

Result<size_t> write_dataset_skeletons(DatasetSink& out, const FrameSource& frames,
                                       const fs::path& image_root,
                                       const std::vector<std::string>& categories,
                                       std::vector<std::string>* written) {
  return write_dataset_skeletons(out, frames, images_in(image_root), categories, written);
}

Result<size_t> write_dataset_skeletons(Bag& bag, const FrameSource& frames,
                                       const std::vector<std::string>& categories,
                                       std::vector<std::string>* written) {
  BagSink sink(bag);
  return write_dataset_skeletons(sink, frames, bag.dir(), categories, written);
}

Result<std::vector<std::string>> write_dataset_skeletons(
    Bag& bag, const std::vector<FrameRecord>& frames, const std::vector<std::string>& categories) {
  std::vector<std::string> written;
  auto n = write_dataset_skeletons(bag, FrameList(frames), categories, &written);
  if (!n) return n.error();
  return written;
}

}  // namespace tb::capture
