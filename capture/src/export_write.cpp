// Puts the pose exports into the bag: chooses the frames and images, checks the image sizes,
// writes transforms*.json, the COLMAP model and a README that says what was chosen and why.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <set>

#include "export_stream.hpp"
#include "tetherbox/capture/dataset.hpp"
#include "tetherbox/capture/exports.hpp"

namespace tb::capture {

std::string export_file_part(const std::string& s) {
  std::string out;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    out += ok ? c : '_';
  }
  return out.empty() ? "_" : out;
}

namespace {

// Why a frame is left out, for the README and the JSON.
std::string excluded_line(const FrameRecord& f) {
  return fmt::format(
      "{} (seq {}): the camera reported an exposure that does not match the "
      "commanded one",
      f.name, f.seq);
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

struct PresetExport {
  std::string name;
  std::string file;  // transforms_<part>.json, or "" when there is one preset
  size_t frames = 0;
};

std::string readme(const ExportCamera& cam, const Intrinsics& k, ImageSource source, double ev,
                   const std::vector<PresetExport>& per_preset,
                   const std::vector<std::string>& left_out, const PoseProvenance& poses,
                   const std::vector<std::string>& excluded,
                   const std::vector<std::string>& unverifiable) {
  std::string presets;
  for (size_t i = 0; i < per_preset.size(); ++i)
    presets += fmt::format("  - {} ({} frames){}{}\n", per_preset[i].name, per_preset[i].frames,
                           per_preset[i].file.empty() ? "" : "  -> " + per_preset[i].file,
                           i == 0 ? ", transforms.json and colmap/" : "");
  std::string exposure;
  if (!excluded.empty()) {
    exposure += "\nLeft out (exposure verification failed; not in transforms*.json nor colmap/):\n";
    for (const auto& s : excluded) exposure += "  - " + s + "\n";
  }
  if (!unverifiable.empty()) {
    exposure +=
        "\nIncluded but not verified (the camera reported no exposure for them; flagged\n"
        "\"exposure_verified\": false in transforms*.json):\n";
    for (const auto& s : unverifiable) exposure += "  - " + s + "\n";
  }
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
  const std::string warning =
      poses.usable ? ""
                   : "WARNING: THESE POSES DO NOT DESCRIBE THE IMAGES. Every export is flagged\n"
                     "(\"poses_usable\": false); do not train on them as they are.\n";
  return fmt::format(
      "tetherbox exports\n"
      "=================\n\n"
      "Camera poses for 3D reconstruction (NeRF, Gaussian splatting, SfM) from the turntable\n"
      "rig, not estimated from the images.\n"
      "Poses: {}\n{}\n"
      "Files\n{}\n"
      "Frames\n"
      "  Only the base exposure of each bracket ({:+.2f} EV) is exported: one image per pose\n"
      "  and lighting. Images: {}.\n"
      "  A frame whose camera reported an exposure other than the commanded one is left out\n"
      "  (listed below); one whose camera reported none is kept, flagged as not verified.\n"
      "  Lighting presets:\n{}{}{}\n"
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
      poses.text, warning, files, ev, source_name(source), presets, dropped, exposure,
      cam.look_at_height_m, cam.distance_m, cam.focal_length_mm, cam.sensor_width_mm,
      cam.sensor_height_mm, cam.width, cam.height, k.fx, k.fy, k.cx, k.cy);
}

uint16_t be16(const unsigned char* p) {
  return static_cast<uint16_t>((p[0] << 8) | p[1]);
}

}  // namespace

PoseProvenance pose_provenance(const config::Config& cfg) {
  const std::string& table = cfg.turntable.backend;
  const std::string& camera = cfg.camera.backend;
  if (table == "sim" && camera == "sim")
    return {"sim_rendered",
            "rendered by the sim camera at exactly these poses (a simulation: exact by "
            "construction)",
            true};
  if (table == "sim")
    return {"commanded_to_simulated_turntable",
            fmt::format("commanded to a SIMULATED turntable, not measured: the camera is real "
                        "({}) and the subject never turned, so every image shows the same view",
                        camera),
            false};
  if (table == "none" || table.empty())
    return {"no_turntable",
            "the plan's positions with no turntable to turn the subject: not commanded to any "
            "device, not measured",
            false};
  return {"commanded",
          fmt::format("commanded to the turntable ({}), not measured: it reports no position, so "
                      "a slipped or stalled subject is not seen here",
                      table),
          true};
}

std::vector<std::string> preset_file_parts(const std::vector<std::string>& presets) {
  std::vector<std::string> natural;
  natural.reserve(presets.size());
  for (const auto& p : presets) natural.push_back(export_file_part(p));
  // A suffix must not take a name that another preset has as its own.
  std::set<std::string> taken(natural.begin(), natural.end());
  std::set<std::string> used;
  std::vector<std::string> out;
  for (const auto& n : natural) {
    std::string name = n;
    for (int k = 2; used.contains(name); ++k) {
      name = fmt::format("{}_{}", n, k);
      if (taken.contains(name) && name != n) name = n;  // skip a preset's own name, try k + 1
    }
    used.insert(name);
    out.push_back(name);
  }
  return out;
}

bool excluded_for_exposure(const FrameRecord& f) {
  return f.reported_valid && !f.exposure_verified;
}

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

namespace {

// The bracket step nearest 0 EV (the base exposure; ties go to the darker one, which clips
// less).
bool nearer_base(double ev, double best) {
  return std::fabs(ev) < std::fabs(best) - 1e-9 ||
         (std::fabs(std::fabs(ev) - std::fabs(best)) <= 1e-9 && ev < best);
}

}  // namespace

Result<ExportSummary> write_exports(Bag& bag, const std::vector<FrameRecord>& frames,
                                    const config::Config& cfg) {
  return write_exports(bag, FrameList(frames), cfg);
}

Result<ExportSummary> write_exports(Bag& bag, const FrameSource& all_frames,
                                    const config::Config& cfg) {
  const WithoutSuperseded frames(all_frames);  // a blurred frame's retake stands for it
  ExportSummary sum;
  // Dataset skeletons (COCO, Pascal VOC) for every session, orbit or not; not pose exports, so
  // not in sum.written. Like the poses, they can be rebuilt: a failure is a warning.
  if (auto ds = write_dataset_skeletons(bag, frames, cfg.metadata.categories); !ds)
    spdlog::warn("dataset skeletons not written: {}", ds.error().message);
  auto put = [&](const std::string& rel, const std::string& text) -> Status {
    auto w = bag.put("exports/" + rel, text);
    if (!w) return w.error();
    sum.written.push_back("exports/" + rel);
    return ok_status();
  };

  // Pass 1: is there anything, and the base exposure.
  size_t count = 0;
  double ev = 0;
  if (cfg.session.mode == "orbit" && cfg.orbit.enabled)
    TB_TRY(frames.for_each([&](const FrameRecord& f) {
      if (count++ == 0 || nearer_base(f.position.ev_offset, ev)) ev = f.position.ev_offset;
      return ok_status();
    }));
  if (cfg.session.mode != "orbit" || !cfg.orbit.enabled)
    sum.skipped_reason =
        fmt::format("the session mode is '{}'{}, not a turntable orbit", cfg.session.mode,
                    cfg.orbit.enabled ? "" : " (orbit disabled)");
  else if (count == 0)
    sum.skipped_reason = "the session has no frames";
  if (!sum.skipped_reason.empty()) {
    TB_TRY(put("README.txt", readme_no_poses(sum.skipped_reason)));
    return sum;
  }

  sum.poses = pose_provenance(cfg);
  if (!sum.poses.usable) spdlog::warn("exports: poses flagged unusable: {}", sum.poses.text);

  // Pass 2: the frames at the base exposure, and which kind of image every one of them has.
  auto at_base = [&](const FrameRecord& f) {
    return std::fabs(f.position.ev_offset - ev) <= 1e-6 && !excluded_for_exposure(f);
  };
  std::vector<std::string> unverifiable;
  size_t base = 0;
  bool all_jpeg = true, all_preview = true;
  TB_TRY(frames.for_each([&](const FrameRecord& f) {
    if (std::fabs(f.position.ev_offset - ev) > 1e-6) return ok_status();
    if (excluded_for_exposure(f)) {
      sum.excluded.push_back(excluded_line(f));
      return ok_status();
    }
    if (!f.exposure_verified) unverifiable.push_back(fmt::format("{} (seq {})", f.name, f.seq));
    ++base;
    all_jpeg = all_jpeg && !export_image_path(f, ImageSource::jpeg_original).empty();
    all_preview = all_preview && !export_image_path(f, ImageSource::preview).empty();
    return ok_status();
  }));
  if (base == 0) {
    sum.skipped_reason = "every frame at the base exposure failed exposure verification";
    std::string why = sum.skipped_reason + ":\n";
    for (const auto& e : sum.excluded) why += "  - " + e + "\n";
    TB_TRY(put("README.txt", readme_no_poses(why)));
    return sum;
  }
  // One source for every exported image, so one set of intrinsics fits them all.
  const ImageSource source = all_jpeg      ? ImageSource::jpeg_original
                             : all_preview ? ImageSource::preview
                                           : ImageSource::jpeg_else_preview;

  // Pass 3: the image size is read from the files (a camera's JPEG may not be what the config
  // says); a frame whose image differs from the first is left out rather than given wrong
  // intrinsics. What is kept per frame is its seq (ascending: the passes go in seq order).
  std::vector<uint64_t> usable;
  std::vector<std::string> left_out;
  std::map<std::string, size_t> per_light;
  std::vector<std::string> lights_in_seq_order;
  int width = 0, height = 0;
  TB_TRY(frames.for_each([&](const FrameRecord& f) {
    if (!at_base(f)) return ok_status();
    const std::string rel = export_image_path(f, source);
    if (rel.empty()) return ok_status();
    auto size = jpeg_size(bag.dir() / rel);
    if (!size) {
      spdlog::warn("exports: {} left out: {}", rel, size.error().message);
      left_out.push_back(fmt::format("{}: {}", rel, size.error().message));
      return ok_status();
    }
    if (width == 0) std::tie(width, height) = *size;
    if (size->first != width || size->second != height) {
      left_out.push_back(
          fmt::format("{}: {}x{}, expected {}x{}", rel, size->first, size->second, width, height));
      return ok_status();
    }
    usable.push_back(f.seq);
    if (per_light[f.position.light]++ == 0) lights_in_seq_order.push_back(f.position.light);
    return ok_status();
  }));
  if (usable.empty()) {
    sum.skipped_reason = "no frame at the base exposure has a readable JPEG original or preview";
    TB_TRY(put("README.txt", readme_no_poses(sum.skipped_reason)));
    return sum;
  }
  auto is_usable = [&](const FrameRecord& f) {
    return at_base(f) && std::binary_search(usable.begin(), usable.end(), f.seq);
  };

  const ExportCamera cam = export_camera_from(cfg, width, height);
  // Presets in the config's order, then any other preset a frame names, in plan order.
  std::vector<std::string> presets;
  {
    std::set<std::string> added;
    for (const auto& p : cfg.lighting.presets)
      if (per_light.contains(p.name) && added.insert(p.name).second) presets.push_back(p.name);
    for (const auto& l : lights_in_seq_order)
      if (added.insert(l).second) presets.push_back(l);
  }
  const auto parts = preset_file_parts(presets);
  // "" (frames without a preset) selects every usable frame, as select_frames does.
  auto in_preset = [&](const FrameRecord& f, const std::string& p) {
    return p.empty() || f.position.light == p;
  };
  // Said in every file a tool reads, so the flag travels with the poses.
  const nlohmann::json excluded_json = sum.excluded;
  auto annotate = [&](nlohmann::json& j) {
    j["tetherbox"]["poses"] = sum.poses.text;
    j["tetherbox"]["pose_source"] = sum.poses.kind;
    j["tetherbox"]["poses_usable"] = sum.poses.usable;
    j["tetherbox"]["excluded_frames"] = excluded_json;
  };
  std::vector<PresetExport> per_preset;
  for (size_t i = 0; i < presets.size(); ++i) {
    auto j = nerfstudio_transforms({}, cam, presets[i], ev, source);
    annotate(j);
    const JsonFrame frame = json_frame(std::move(j), "frames");
    PresetExport pe{presets[i], "", 0};
    std::vector<std::pair<std::string, StreamedFile>> outs;
    if (i == 0) {
      auto f = StreamedFile::open(bag, "exports/transforms.json");
      if (!f) return f.error();
      outs.emplace_back("exports/transforms.json", std::move(*f));
    }
    if (presets.size() > 1) {
      pe.file = "transforms_" + parts[i] + ".json";
      if (parts[i] != export_file_part(presets[i]))
        spdlog::warn(
            "exports: preset '{}' written as {}: its file name collides with another "
            "preset's",
            presets[i], pe.file);
      auto f = StreamedFile::open(bag, "exports/" + pe.file);
      if (!f) return f.error();
      outs.emplace_back("exports/" + pe.file, std::move(*f));
    }
    auto write_all = [&](const std::string& text) -> Status {
      for (auto& o : outs) TB_TRY(o.second.write(text));
      return ok_status();
    };
    TB_TRY(write_all(frame.head));
    TB_TRY(frames.for_each([&](const FrameRecord& f) {
      if (!is_usable(f) || !in_preset(f, presets[i])) return ok_status();
      return write_all(json_element(nerfstudio_frame(f, cam, source), 1, pe.frames++ == 0));
    }));
    TB_TRY(write_all(json_array_end(pe.frames, 1) + frame.tail + "\n"));
    for (auto& o : outs) {
      TB_TRY(o.second.done());
      sum.written.push_back(o.first);
    }
    if (i == 0) sum.frames_exported = pe.frames;
    per_preset.push_back(std::move(pe));
  }
  TB_TRY(put("colmap/cameras.txt", colmap_cameras_txt(cam)));
  {
    auto images = StreamedFile::open(bag, "exports/colmap/images.txt");
    if (!images) return images.error();
    // COLMAP skips '#' lines: the provenance rides along without changing the model.
    TB_TRY(images->write(fmt::format(
        "# tetherbox poses: {}\n# tetherbox poses_usable: {}\n{}", sum.poses.text,
        sum.poses.usable ? "true" : "false",
        sum.excluded.empty() ? std::string()
                             : fmt::format("# tetherbox excluded (exposure verification "
                                           "failed): {} frame(s), listed in README.txt\n",
                                           sum.excluded.size()))));
    TB_TRY(images->write(colmap_images_header(per_preset.front().frames)));
    int id = 1;
    TB_TRY(frames.for_each([&](const FrameRecord& f) {
      if (!is_usable(f) || !in_preset(f, presets.front())) return ok_status();
      return images->write(colmap_image_entry(id++, f, cam, source));
    }));
    TB_TRY(images->done());
    sum.written.push_back("exports/colmap/images.txt");
  }
  TB_TRY(put("colmap/points3D.txt", colmap_points3d_txt()));
  TB_TRY(put("README.txt", readme(cam, intrinsics(cam), source, ev, per_preset, left_out, sum.poses,
                                  sum.excluded, unverifiable)));
  spdlog::info("exports: {} poses ({} presets, {:+.1f} EV) in data/exports/", sum.frames_exported,
               presets.size(), ev);
  return sum;
}

}  // namespace tb::capture
