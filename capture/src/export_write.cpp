// Puts the pose exports into the bag: chooses the frames and images, checks the image sizes,
// writes transforms*.json, the COLMAP model and a README that says what was chosen and why.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>

#include "tetherbox/capture/exports.hpp"

namespace tb::capture {
namespace {

std::string safe_name(const std::string& s) {
  std::string out;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    out += ok ? c : '_';
  }
  return out.empty() ? "_" : out;
}

const char* source_name(ImageSource s) {
  switch (s) {
    case ImageSource::jpeg_original:
      return "JPEG originals (data/frames/)";
    case ImageSource::preview:
      return "previews (data/previews/); the session has no JPEG originals";
    case ImageSource::jpeg_else_preview:
      return "JPEG originals where a frame has one, else its preview";
  }
  return "";
}

// The bracket step nearest 0 EV (the base exposure; ties go to the darker one, which clips
// less).
double base_ev(const std::vector<FrameRecord>& frames) {
  double best = frames.front().position.ev_offset;
  for (const auto& f : frames) {
    const double ev = f.position.ev_offset;
    if (std::fabs(ev) < std::fabs(best) - 1e-9 ||
        (std::fabs(std::fabs(ev) - std::fabs(best)) <= 1e-9 && ev < best))
      best = ev;
  }
  return best;
}

// Presets in the config's order, then any other preset a frame names, in plan order.
std::vector<std::string> presets_in(const std::vector<FrameRecord>& frames,
                                    const config::Config& cfg) {
  std::set<std::string> seen_in_frames;
  for (const auto& f : frames) seen_in_frames.insert(f.position.light);
  std::vector<std::string> out;
  std::set<std::string> added;
  for (const auto& p : cfg.lighting.presets)
    if (seen_in_frames.contains(p.name) && added.insert(p.name).second) out.push_back(p.name);
  std::vector<const FrameRecord*> sorted;
  for (const auto& f : frames) sorted.push_back(&f);
  std::sort(sorted.begin(), sorted.end(),
            [](const FrameRecord* a, const FrameRecord* b) { return a->seq < b->seq; });
  for (const auto* f : sorted)
    if (added.insert(f->position.light).second) out.push_back(f->position.light);
  return out;
}

std::string readme_no_poses(const std::string& why) {
  return fmt::format(
      "tetherbox exports\n"
      "=================\n\n"
      "No camera poses were exported for this session: {}.\n"
      "Poses come from the turntable rig (azimuth, elevation, distance); a session without\n"
      "them has nothing exact to hand to Nerfstudio or COLMAP. Run COLMAP's own\n"
      "feature extraction and mapping on data/frames/ instead.\n",
      why);
}

std::string readme(const ExportCamera& cam, const Intrinsics& k, ImageSource source, double ev,
                   const std::vector<std::pair<std::string, size_t>>& per_preset,
                   const std::vector<std::string>& left_out) {
  std::string presets;
  for (size_t i = 0; i < per_preset.size(); ++i)
    presets += fmt::format("  - {} ({} frames){}\n", per_preset[i].first, per_preset[i].second,
                           i == 0 ? "  -> transforms.json and colmap/" : "");
  std::string files = "  transforms.json            Nerfstudio, first lighting preset\n";
  if (per_preset.size() > 1)
    files += "  transforms_<preset>.json   Nerfstudio, one per lighting preset\n";
  files +=
      "  colmap/cameras.txt         COLMAP text model (first preset): one PINHOLE camera\n"
      "  colmap/images.txt          world-to-camera poses, names relative to <bag>/data\n"
      "  colmap/points3D.txt        empty (no points; triangulate with the known poses)\n";
  std::string dropped;
  if (!left_out.empty()) {
    dropped = "\nLeft out (image size differs from the first exported image, or unreadable):\n";
    for (const auto& s : left_out) dropped += "  - " + s + "\n";
  }
  return fmt::format(
      "tetherbox exports\n"
      "=================\n\n"
      "Camera poses for 3D reconstruction (NeRF, Gaussian splatting, SfM), known exactly from\n"
      "the turntable rig rather than estimated.\n\n"
      "Files\n{}\n"
      "Frames\n"
      "  Only the base exposure of each bracket ({:+.2f} EV) is exported: one image per pose\n"
      "  and lighting. Images: {}.\n"
      "  Lighting presets:\n{}{}\n"
      "World frame (the subject's own frame, metres)\n"
      "  y up along the turntable axis; origin at the centre of the turntable top; at\n"
      "  azimuth 0 the camera is on +z looking towards -z. The turntable turns the subject by\n"
      "  +azimuth about +y (from +z towards +x); seen from the subject the camera orbits by\n"
      "  -azimuth. Every camera looks at (0, {:.4f}, 0) from {:.4f} m, raised by its ring's\n"
      "  elevation above the turntable plane.\n\n"
      "Conventions\n"
      "  transforms*.json: transform_matrix is camera-to-world, OpenGL camera axes (x right,\n"
      "    y up, looks down -z); file_path is relative to this directory.\n"
      "  colmap/images.txt: QW QX QY QZ TX TY TZ is world-to-camera, OpenCV axes (x right,\n"
      "    y down, looks down +z): x_cam = R(q) x_world + t. Use --image_path <bag>/data.\n"
      "  Intrinsics from the lens config ({} mm on a {} x {} mm sensor), taken to span the\n"
      "  whole image: {} x {} px, fx {:.3f}, fy {:.3f}, cx {:.1f}, cy {:.1f} (pixel centres at\n"
      "  +0.5), no distortion modelled. A cropped JPEG or a real lens's distortion makes these\n"
      "  a starting point to refine (e.g. COLMAP bundle_adjuster), not ground truth.\n",
      files, ev, source_name(source), presets, dropped, cam.look_at_height_m, cam.distance_m,
      cam.focal_length_mm, cam.sensor_width_mm, cam.sensor_height_mm, cam.width, cam.height, k.fx,
      k.fy, k.cx, k.cy);
}

uint16_t be16(const unsigned char* p) {
  return static_cast<uint16_t>((p[0] << 8) | p[1]);
}

}  // namespace

Result<std::pair<int, int>> jpeg_size(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(Errc::not_found, "cannot open {} to read its size", path.string());
  unsigned char b[9];
  if (!in.read(reinterpret_cast<char*>(b), 2) || b[0] != 0xFF || b[1] != 0xD8)
    return make_error(Errc::invalid, "{} is not a JPEG (no SOI marker)", path.string());
  // Walk the marker segments up to the first start-of-frame (any SOFn but DHT/JPG/DAC).
  for (;;) {
    if (!in.read(reinterpret_cast<char*>(b), 2))
      return make_error(Errc::invalid, "{}: no frame header before the end", path.string());
    if (b[0] != 0xFF) return make_error(Errc::invalid, "{}: corrupt marker stream", path.string());
    const unsigned char m = b[1];
    if (m == 0xFF) {  // fill byte
      in.seekg(-1, std::ios::cur);
      continue;
    }
    if (m == 0x01 || (m >= 0xD0 && m <= 0xD7)) continue;  // markers without a length
    if (m == 0xDA || m == 0xD9)
      return make_error(Errc::invalid, "{}: scan data before any frame header", path.string());
    if (!in.read(reinterpret_cast<char*>(b), 2))
      return make_error(Errc::invalid, "{}: truncated segment", path.string());
    const int len = be16(b);
    if (len < 2) return make_error(Errc::invalid, "{}: bad segment length", path.string());
    const bool sof = m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
    if (sof) {
      if (len < 7 || !in.read(reinterpret_cast<char*>(b), 5))
        return make_error(Errc::invalid, "{}: truncated frame header", path.string());
      const int h = be16(b + 1), w = be16(b + 3);
      if (w <= 0 || h <= 0)
        return make_error(Errc::invalid, "{}: frame header says {}x{}", path.string(), w, h);
      return std::pair<int, int>{w, h};
    }
    in.seekg(len - 2, std::ios::cur);
  }
}

Result<ExportSummary> write_exports(Bag& bag, const std::vector<FrameRecord>& frames,
                                    const config::Config& cfg) {
  ExportSummary sum;
  auto put = [&](const std::string& rel, const std::string& text) -> Status {
    auto w = bag.put("exports/" + rel, text);
    if (!w) return w.error();
    sum.written.push_back("exports/" + rel);
    return ok_status();
  };

  if (cfg.session.mode != "orbit" || !cfg.orbit.enabled)
    sum.skipped_reason =
        fmt::format("the session mode is '{}'{}, not a turntable orbit", cfg.session.mode,
                    cfg.orbit.enabled ? "" : " (orbit disabled)");
  else if (frames.empty())
    sum.skipped_reason = "the session has no frames";
  if (!sum.skipped_reason.empty()) {
    TB_TRY(put("README.txt", readme_no_poses(sum.skipped_reason)));
    return sum;
  }

  const double ev = base_ev(frames);
  std::vector<FrameRecord> base;
  for (const auto& f : frames)
    if (std::fabs(f.position.ev_offset - ev) <= 1e-6) base.push_back(f);
  // One source for every exported image, so one set of intrinsics fits them all.
  auto all_have = [&](ImageSource s) {
    return std::all_of(base.begin(), base.end(),
                       [&](const FrameRecord& f) { return !export_image_path(f, s).empty(); });
  };
  const ImageSource source = all_have(ImageSource::jpeg_original) ? ImageSource::jpeg_original
                             : all_have(ImageSource::preview)     ? ImageSource::preview
                                                                  : ImageSource::jpeg_else_preview;

  // The image size is read from the files (a camera's JPEG may not be what the config says);
  // a frame whose image differs from the first is left out rather than given wrong intrinsics.
  std::vector<FrameRecord> usable;
  std::vector<std::string> left_out;
  int width = 0, height = 0;
  for (const auto& f : select_frames(base, "", ev, source)) {
    const std::string rel = export_image_path(f, source);
    auto size = jpeg_size(bag.dir() / rel);
    if (!size) {
      spdlog::warn("exports: {} left out: {}", rel, size.error().message);
      left_out.push_back(fmt::format("{}: {}", rel, size.error().message));
      continue;
    }
    if (width == 0) std::tie(width, height) = *size;
    if (size->first != width || size->second != height) {
      left_out.push_back(
          fmt::format("{}: {}x{}, expected {}x{}", rel, size->first, size->second, width, height));
      continue;
    }
    usable.push_back(f);
  }
  if (usable.empty()) {
    sum.skipped_reason = "no frame at the base exposure has a readable JPEG original or preview";
    TB_TRY(put("README.txt", readme_no_poses(sum.skipped_reason)));
    return sum;
  }

  const ExportCamera cam = export_camera_from(cfg, width, height);
  const auto presets = presets_in(usable, cfg);
  std::vector<std::pair<std::string, size_t>> per_preset;
  for (size_t i = 0; i < presets.size(); ++i) {
    const auto j = nerfstudio_transforms(usable, cam, presets[i], ev, source);
    const std::string text = j.dump(2) + "\n";
    per_preset.emplace_back(presets[i], j["frames"].size());
    if (i == 0) {
      TB_TRY(put("transforms.json", text));
      sum.frames_exported = j["frames"].size();
    }
    if (presets.size() > 1) TB_TRY(put("transforms_" + safe_name(presets[i]) + ".json", text));
  }
  TB_TRY(put("colmap/cameras.txt", colmap_cameras_txt(cam)));
  TB_TRY(put("colmap/images.txt", colmap_images_txt(usable, cam, presets.front(), ev, source)));
  TB_TRY(put("colmap/points3D.txt", colmap_points3d_txt()));
  TB_TRY(put("README.txt", readme(cam, intrinsics(cam), source, ev, per_preset, left_out)));
  spdlog::info("exports: {} poses ({} presets, {:+.1f} EV) in data/exports/", sum.frames_exported,
               presets.size(), ev);
  return sum;
}

}  // namespace tb::capture
