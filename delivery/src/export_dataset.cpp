#include "export_dataset.hpp"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <span>

#include "tetherbox/capture/dataset.hpp"
#include "tetherbox/capture/frame_source.hpp"
#include "tetherbox/capture/storage.hpp"

namespace tb::delivery {

namespace {

Status put(ExportStaging& out, const std::string& rel, const std::string& text) {
  const auto bytes = std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size());
  return out.write_payload(rel, bytes, capture::sha256_hex(bytes));
}

}  // namespace

Result<size_t> write_export_skeletons(ExportStaging& out,
                                      const std::vector<std::string>& categories) {
  const fs::path journal = out.bag_dir() / "data" / "journal.jsonl";
  std::error_code ec;
  std::optional<capture::JournalFrames> all;
  if (fs::exists(journal, ec)) {  // a bag without a journal has no frames
    auto j = capture::JournalFrames::index(journal);
    if (!j) return j.error();
    all = std::move(*j);
  }
  const capture::FrameList none({});
  const capture::WithoutSuperseded frames(all ? static_cast<const capture::FrameSource&>(*all)
                                              : none);
  nlohmann::json images = nlohmann::json::array();
  std::vector<capture::DatasetImage> first;  // its date is the COCO file's date_created
  std::string list;
  size_t files = 0;
  TB_TRY(frames.for_each([&](const capture::FrameRecord& f) -> Status {
    std::string why;
    auto img = capture::dataset_image(f, out.bag_dir(), images.size() + 1, &why);
    if (!img) {
      spdlog::warn("dataset skeletons: left out {}", why);
      return ok_status();
    }
    images.push_back(capture::coco_image(*img));
    if (first.empty()) {
      first.push_back(*img);
      first.back().frame = nullptr;  // only its date is kept past this visit
    }
    const std::string stem = fs::path(img->file_name).stem().string();
    TB_TRY(put(out, "exports/voc/Annotations/" + stem + ".xml", capture::voc_annotation(*img)));
    ++files;
    list += stem + "\n";
    return ok_status();
  }));
  const size_t n = images.size();
  auto coco = capture::coco_skeleton(first, categories);
  coco["images"] = std::move(images);
  TB_TRY(put(out, "exports/voc/ImageSets/Main/all.txt", list));
  // Names and categories come from YAML and cameras: a bad byte is replaced, never thrown.
  TB_TRY(put(out, "exports/coco/annotations.json",
             coco.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n"));
  spdlog::info("dataset skeletons: {} images (COCO, Pascal VOC) in data/exports/", n);
  return files + 2;
}

}  // namespace tb::delivery
