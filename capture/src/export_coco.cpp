// COCO skeleton and the image list both dataset skeletons share.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

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

ImageLocator images_in(const fs::path& bag_dir) {
  return [bag_dir](const std::string& path) -> std::optional<fs::path> {
    std::error_code ec;
    if (!fs::exists(bag_dir / path, ec)) return std::nullopt;
    return bag_dir / path;
  };
}

std::optional<DatasetImage> dataset_image(const FrameRecord& f, const fs::path& bag_dir,
                                          uint64_t id, std::string* why_not) {
  return dataset_image(f, images_in(bag_dir), id, why_not);
}

std::optional<DatasetImage> dataset_image(const FrameRecord& f, const ImageLocator& locate,
                                          uint64_t id, std::string* why_not) {
  std::string why = "no JPEG original or preview";
  for (const auto& path : candidates(f)) {
    const auto file = locate(path);
    if (!file) {
      why = fmt::format("{} is not in this bag", path);
      continue;
    }
    auto size = jpeg_size(*file);
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

}  // namespace tb::capture
