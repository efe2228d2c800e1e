// Frame selection and the text of the exports: Nerfstudio transforms.json and COLMAP's text
// model. Pure functions of the records; export_write.cpp puts them in the bag.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>

#include "tetherbox/capture/exports.hpp"

namespace tb::capture {
namespace {

bool ends_with_ci(const std::string& s, const std::string& suffix) {
  if (s.size() < suffix.size()) return false;
  return std::equal(suffix.rbegin(), suffix.rend(), s.rbegin(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) ==
           std::tolower(static_cast<unsigned char>(b));
  });
}

bool is_jpeg(const std::string& path) {
  return ends_with_ci(path, ".jpg") || ends_with_ci(path, ".jpeg");
}

std::string role_path(const FrameRecord& f, const std::string& role, bool jpeg_only) {
  for (const auto& file : f.files)
    if (file.role == role && (!jpeg_only || is_jpeg(file.path))) return file.path;
  return "";
}

// "data/frames/x.jpg" -> "frames/x.jpg"
std::string under_data(const std::string& bag_rel) {
  const std::string prefix = "data/";
  return bag_rel.rfind(prefix, 0) == 0 ? bag_rel.substr(prefix.size()) : bag_rel;
}

// -0 prints as "-0"; adding +0.0 turns it into 0 and leaves every other value alone.
double z(double v) {
  return v + 0.0;
}

}  // namespace

std::string export_image_path(const FrameRecord& f, ImageSource source) {
  switch (source) {
    case ImageSource::jpeg_original:
      return role_path(f, "original", true);
    case ImageSource::preview:
      return role_path(f, "preview", false);
    case ImageSource::jpeg_else_preview: {
      auto p = role_path(f, "original", true);
      return p.empty() ? role_path(f, "preview", false) : p;
    }
  }
  return "";
}

std::vector<FrameRecord> select_frames(const std::vector<FrameRecord>& frames,
                                       const std::string& only_light, double only_ev,
                                       ImageSource source) {
  // One per seq (a resumed session may hold a re-take; the later record wins), in plan order.
  std::map<uint64_t, const FrameRecord*> by_seq;
  for (const auto& f : frames) {
    if (!only_light.empty() && f.position.light != only_light) continue;
    if (std::fabs(f.position.ev_offset - only_ev) > 1e-6) continue;
    if (export_image_path(f, source).empty()) continue;
    by_seq[f.seq] = &f;
  }
  std::vector<FrameRecord> out;
  out.reserve(by_seq.size());
  for (const auto& [seq, f] : by_seq) out.push_back(*f);
  return out;
}

nlohmann::json nerfstudio_frame(const FrameRecord& f, const ExportCamera& cam, ImageSource source) {
  const auto m = camera_to_world(f.position.azimuth_deg, f.position.elevation_deg, cam);
  nlohmann::json rows = nlohmann::json::array();
  for (int r = 0; r < 4; ++r)
    rows.push_back({z(m[r * 4]), z(m[r * 4 + 1]), z(m[r * 4 + 2]), z(m[r * 4 + 3])});
  nlohmann::json fr;
  fr["file_path"] = "../" + under_data(export_image_path(f, source));
  fr["transform_matrix"] = std::move(rows);
  // Not read by Nerfstudio; lets a person trace a pose back to its frame record.
  fr["tetherbox"] = {{"seq", f.seq},
                     {"name", f.name},
                     {"ring", f.position.ring},
                     {"azimuth_deg", f.position.azimuth_deg},
                     {"elevation_deg", f.position.elevation_deg},
                     {"light", f.position.light},
                     {"ev_offset", f.position.ev_offset},
                     {"exposure_verified", f.exposure_verified}};
  return fr;
}

nlohmann::json nerfstudio_transforms(const std::vector<FrameRecord>& frames,
                                     const ExportCamera& cam, const std::string& only_light,
                                     double only_ev, ImageSource source) {
  const Intrinsics k = intrinsics(cam);
  nlohmann::json j;
  j["camera_model"] = "OPENCV";
  j["fl_x"] = k.fx;
  j["fl_y"] = k.fy;
  j["cx"] = k.cx;
  j["cy"] = k.cy;
  j["w"] = cam.width;
  j["h"] = cam.height;
  j["k1"] = 0.0;
  j["k2"] = 0.0;
  j["p1"] = 0.0;
  j["p2"] = 0.0;
  nlohmann::json list = nlohmann::json::array();
  for (const auto& f : select_frames(frames, only_light, only_ev, source))
    list.push_back(nerfstudio_frame(f, cam, source));
  j["frames"] = std::move(list);
  j["tetherbox"] = {
      {"world_frame",
       "subject frame: y up along the turntable axis, origin at the centre of the turntable "
       "top, camera on +z at azimuth 0; the turntable turns the subject by +azimuth about +y"},
      {"camera_convention", "OpenGL camera-to-world: x right, y up, camera looks down -z"},
      {"distance_m", cam.distance_m},
      {"look_at", {0.0, cam.look_at_height_m, 0.0}},
      {"focal_length_mm", cam.focal_length_mm},
      {"sensor_mm", {cam.sensor_width_mm, cam.sensor_height_mm}},
      {"light", only_light},
      {"ev_offset", only_ev}};
  return j;
}

std::string colmap_cameras_txt(const ExportCamera& cam) {
  const Intrinsics k = intrinsics(cam);
  return fmt::format(
      "# Camera list with one line of data per camera:\n"
      "#   CAMERA_ID, MODEL, WIDTH, HEIGHT, PARAMS[]\n"
      "# Number of cameras: 1\n"
      "1 PINHOLE {} {} {:.17g} {:.17g} {:.17g} {:.17g}\n",
      cam.width, cam.height, k.fx, k.fy, k.cx, k.cy);
}

std::string colmap_images_txt(const std::vector<FrameRecord>& frames, const ExportCamera& cam,
                              const std::string& only_light, double only_ev, ImageSource source) {
  const auto selected = select_frames(frames, only_light, only_ev, source);
  std::string out = colmap_images_header(selected.size());
  int id = 1;
  for (const auto& f : selected) out += colmap_image_entry(id++, f, cam, source);
  return out;
}

std::string colmap_images_header(size_t images) {
  return fmt::format(
      "# Image list with two lines of data per image:\n"
      "#   IMAGE_ID, QW, QX, QY, QZ, TX, TY, TZ, CAMERA_ID, NAME\n"
      "#   POINTS2D[] as (X, Y, POINT3D_ID)\n"
      "# Number of images: {}, mean observations per image: 0\n",
      images);
}

std::string colmap_image_entry(int id, const FrameRecord& f, const ExportCamera& cam,
                               ImageSource source) {
  const auto p = colmap_pose(f.position.azimuth_deg, f.position.elevation_deg, cam);
  return fmt::format("{} {:.17g} {:.17g} {:.17g} {:.17g} {:.17g} {:.17g} {:.17g} 1 {}\n\n", id,
                     z(p.q[0]), z(p.q[1]), z(p.q[2]), z(p.q[3]), z(p.t[0]), z(p.t[1]), z(p.t[2]),
                     under_data(export_image_path(f, source)));
}

std::string colmap_points3d_txt() {
  return "# 3D point list with one line of data per point:\n"
         "#   POINT3D_ID, X, Y, Z, R, G, B, ERROR, TRACK[] as (IMAGE_ID, POINT2D_IDX)\n"
         "# Number of points: 0, mean track length: 0\n";
}

}  // namespace tb::capture
