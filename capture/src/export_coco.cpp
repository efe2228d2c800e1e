// COCO skeleton and the image list both dataset skeletons share.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "export_stream.hpp"
#include "tetherbox/capture/dataset.hpp"
#include "tetherbox/capture/exports.hpp"
#include "tetherbox/capture/frame_source.hpp"
#include "tetherbox/common/time_utc.hpp"

namespace tb::capture {

namespace {

bool has_ext(const std::string& path, std::initializer_list<const char*> exts) {
  const auto dot = path.find_last_of('.');
  if (dot == std::string::npos) return false;
  std::string e = path.substr(dot + 1);
  for (auto& c : e) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return std::any_of(exts.begin(), exts.end(), [&](const char* x) { return e == x; });
}

// The frame's image for a dataset: a JPEG original first (full resolution), else the preview.
std::vector<std::string> candidates(const FrameRecord& f) {
  std::vector<std::string> out;
  for (const auto& file : f.files)
    if (file.role == "original" && has_ext(file.path, {"jpg", "jpeg"})) out.push_back(file.path);
  for (const auto& file : f.files)
    if (file.role == "preview") out.push_back(file.path);
  return out;
}

}  // namespace

std::optional<DatasetImage> dataset_image(const FrameRecord& f, const fs::path& bag_dir,
                                          uint64_t id, std::string* why_not) {
  std::string why = "no JPEG original or preview";
  for (const auto& path : candidates(f)) {
    std::error_code ec;
    if (!fs::exists(bag_dir / path, ec)) {
      why = fmt::format("{} is not in this bag", path);
      continue;
    }
    auto size = jpeg_size(bag_dir / path);
    if (!size) {
      why = size.error().message;
      continue;
    }
    DatasetImage img;
    img.id = id;
    img.file_name = path.rfind("data/", 0) == 0 ? path.substr(5) : path;
    img.width = size->first;
    img.height = size->second;
    img.date_captured = format_utc_iso(f.trigger_utc);
    img.frame = &f;
    return img;
  }
  if (why_not) *why_not = fmt::format("{}: {}", f.name, why);
  return std::nullopt;
}

std::vector<DatasetImage> dataset_images(const std::vector<FrameRecord>& frames,
                                         const fs::path& bag_dir,
                                         std::vector<std::string>* left_out) {
  std::vector<const FrameRecord*> sorted;
  for (const auto& f : frames) sorted.push_back(&f);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const FrameRecord* a, const FrameRecord* b) { return a->seq < b->seq; });
  std::vector<DatasetImage> out;
  for (const auto* f : sorted) {
    std::string why;
    if (auto img = dataset_image(*f, bag_dir, out.size() + 1, &why))
      out.push_back(std::move(*img));
    else if (left_out)
      left_out->push_back(why);
  }
  return out;
}

nlohmann::json coco_image(const DatasetImage& i) {
  nlohmann::json j = {{"id", i.id},         {"file_name", i.file_name},         {"width", i.width},
                      {"height", i.height}, {"date_captured", i.date_captured}, {"license", 0}};
  if (i.frame) {
    const auto& p = i.frame->position;
    // Not part of COCO (readers ignore unknown keys): where the frame sits in the shoot.
    j["tetherbox"] = {{"name", i.frame->name},
                      {"seq", i.frame->seq},
                      {"light", p.light},
                      {"ev_offset", p.ev_offset},
                      {"azimuth_deg", p.azimuth_deg},
                      {"elevation_deg", p.elevation_deg},
                      {"exposure_verified", i.frame->exposure_verified}};
  }
  return j;
}

nlohmann::json coco_skeleton(const std::vector<DatasetImage>& images,
                             const std::vector<std::string>& categories) {
  nlohmann::json imgs = nlohmann::json::array();
  for (const auto& i : images) imgs.push_back(coco_image(i));
  nlohmann::json cats = nlohmann::json::array();
  for (size_t k = 0; k < categories.size(); ++k)
    cats.push_back({{"id", k + 1}, {"name", categories[k]}, {"supercategory", ""}});
  const std::string created = images.empty() ? format_utc_iso(std::chrono::system_clock::now())
                                             : images.front().date_captured;
  return {{"info",
           {{"description",
             "tetherbox dataset skeleton: every image listed, none labelled yet; file_name is "
             "relative to the bag's data/ folder"},
            {"version", "1.0"},
            {"year", std::stoi(created.substr(0, 4))},
            {"contributor", "tetherbox"},
            {"date_created", created}}},
          {"licenses", nlohmann::json::array()},
          {"images", std::move(imgs)},
          {"annotations", nlohmann::json::array()},
          {"categories", std::move(cats)}};
}

Result<size_t> write_dataset_skeletons(Bag& bag, const FrameSource& all_frames,
                                       const std::vector<std::string>& categories,
                                       std::vector<std::string>* written) {
  const WithoutSuperseded frames(all_frames);  // a blurred frame's retake stands for it
  // Frame names and categories come from YAML and cameras: never let a bad byte throw
  // (export_stream dumps with invalid UTF-8 replaced). COCO's keys sort "images" before
  // "info", so the head is known before the first image and the tail (whose date is the
  // first image's) after the last.
  auto coco = StreamedFile::open(bag, "exports/coco/annotations.json");
  if (!coco) return coco.error();
  auto list = StreamedFile::open(bag, "exports/voc/ImageSets/Main/all.txt");
  if (!list) return list.error();
  TB_TRY(coco->write(json_frame(coco_skeleton({}, categories), "images").head));
  size_t files = 0;
  uint64_t images = 0;
  std::optional<DatasetImage> first;
  // One VOC file per image, committed in batches: each batch's manifest lines (the intent) are
  // durable before any of its files has its name, so a crash while writing them leaves only
  // what resume recognises as ours (a file renamed outside a commit would be quarantined).
  // Batches bound the open temp files for a 100 000-frame session.
  constexpr size_t kBatch = 256;
  std::vector<Bag::Staged> batch;
  auto flush = [&]() -> Status {
    if (batch.empty()) return {};
    TB_TRY(bag.commit(batch));
    files += batch.size();
    batch.clear();
    return {};
  };
  TB_TRY(frames.for_each([&](const FrameRecord& f) -> Status {
    std::string why;
    auto img = dataset_image(f, bag.dir(), images + 1, &why);
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
    const auto bytes = std::span(reinterpret_cast<const uint8_t*>(xml.data()), xml.size());
    auto st = bag.stage(rel);
    if (!st) return st.error();
    TB_TRY(st->file.write(bytes));
    st->sha256 = sha256_hex(bytes);
    batch.push_back(std::move(*st));
    if (written) written->push_back(rel);
    TB_TRY(list->write(stem + "\n"));
    if (batch.size() >= kBatch) TB_TRY(flush());
    return ok_status();
  }));
  TB_TRY(flush());
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

Result<std::vector<std::string>> write_dataset_skeletons(
    Bag& bag, const std::vector<FrameRecord>& frames, const std::vector<std::string>& categories) {
  std::vector<std::string> written;
  auto n = write_dataset_skeletons(bag, FrameList(frames), categories, &written);
  if (!n) return n.error();
  return written;
}

}  // namespace tb::capture
