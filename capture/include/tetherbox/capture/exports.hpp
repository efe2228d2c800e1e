#pragma once
// Camera poses for 3D reconstruction, from the rig: Nerfstudio transforms.json and a COLMAP text
// model under data/exports/. Every export says where its poses come from (PoseProvenance):
// commanded to a turntable is not measured, and a simulated turntable in front of a real
// camera turned nothing.
//
// World frame (the OBJECT frame, fixed to the subject): y up along the turntable axis, origin
// at the centre of the turntable top, and at azimuth 0 the camera sits on +z looking towards -z
// (the sim camera's world frame at azimuth 0). The turntable turning the subject by +az about
// +y (right-handed, +z towards +x) is, seen from the subject, the camera orbiting by -az.
#include <nlohmann/json.hpp>

#include <array>
#include <string>
#include <vector>

#include "tetherbox/capture/frame_source.hpp"
#include "tetherbox/capture/record.hpp"
#include "tetherbox/capture/storage.hpp"
#include "tetherbox/common/result.hpp"
#include "tetherbox/config/config.hpp"

namespace tb::capture {

struct ExportCamera {
  int width = 0, height = 0;  // pixels of the exported images (originals or previews)
  double focal_length_mm = 50.0;
  double sensor_width_mm = 36.0;  // the image is taken to span the whole sensor
  double sensor_height_mm = 24.0;
  double distance_m = 1.0;        // camera centre to the look-at point
  double look_at_height_m = 0.0;  // look-at point (0, h, 0) above the turntable top
};

struct Intrinsics {
  double fx = 0, fy = 0, cx = 0, cy = 0;  // pixels; pixel (i, j) has its centre at (i+.5, j+.5)
};
Intrinsics intrinsics(const ExportCamera& cam);

// Rig geometry from the config for images of width x height: distance from
// orbit.subject_distance_m; the camera aims at mid-height of the subject, taken (as the sim's
// subject is) to be 2.2 x orbit.subject_radius_m tall (0.15 m radius when unset).
ExportCamera export_camera_from(const config::Config& cfg, int width, int height);

// 4x4 camera-to-world, row-major, OpenGL camera axes (x right, y up, looks down -z).
std::array<double, 16> camera_to_world(double azimuth_deg, double elevation_deg,
                                       const ExportCamera& cam);

// World-to-camera in COLMAP's OpenCV axes (x right, y down, looks down +z): unit quaternion
// (qw >= 0) and translation, so that x_cam = R(q) * x_world + t.
struct ColmapPose {
  std::array<double, 4> q{1, 0, 0, 0};  // QW QX QY QZ
  std::array<double, 3> t{0, 0, 0};     // TX TY TZ
};
ColmapPose colmap_pose(double azimuth_deg, double elevation_deg, const ExportCamera& cam);

// Which image file of a frame the exports point at.
enum class ImageSource {
  jpeg_else_preview,  // the JPEG original when the frame has one, else its preview
  jpeg_original,      // JPEG originals only (frames without one are left out)
  preview,            // previews only
};
// Path of the chosen image relative to the bag root ("data/frames/x.jpg"), or "" when the
// frame has none of that kind.
std::string export_image_path(const FrameRecord& f, ImageSource source);

// Frames of one lighting preset ("" = every preset) at exposure offset only_ev, sorted by seq,
// one per seq, that have an image of `source`.
std::vector<FrameRecord> select_frames(const std::vector<FrameRecord>& frames,
                                       const std::string& only_light = "", double only_ev = 0.0,
                                       ImageSource source = ImageSource::jpeg_else_preview);

// Nerfstudio transforms.json (camera_model OPENCV with zero distortion); file_path relative to
// data/exports/ ("../frames/x.jpg").
nlohmann::json nerfstudio_transforms(const std::vector<FrameRecord>& frames,
                                     const ExportCamera& cam, const std::string& only_light = "",
                                     double only_ev = 0.0,
                                     ImageSource source = ImageSource::jpeg_else_preview);

// One entry of transforms.json's "frames".
nlohmann::json nerfstudio_frame(const FrameRecord& f, const ExportCamera& cam, ImageSource source);

// COLMAP text model: one PINHOLE camera (id 1); images named relative to the bag's data/
// directory ("frames/x.jpg"), so COLMAP's --image_path is <bag>/data. points3D.txt is empty.
std::string colmap_cameras_txt(const ExportCamera& cam);
std::string colmap_images_txt(const std::vector<FrameRecord>& frames, const ExportCamera& cam,
                              const std::string& only_light = "", double only_ev = 0.0,
                              ImageSource source = ImageSource::jpeg_else_preview);
std::string colmap_points3d_txt();
// images.txt piece by piece: its header, then one entry (two lines) per image.
std::string colmap_images_header(size_t images);
std::string colmap_image_entry(int id, const FrameRecord& f, const ExportCamera& cam,
                               ImageSource source);

// Width and height from a JPEG's SOF marker, reading only the headers.
Result<std::pair<int, int>> jpeg_size(const fs::path& path);

// Where the poses come from, said in every export (transforms*.json "tetherbox.poses", a
// comment in colmap/images.txt, the README): a real camera in front of the sim turntable
// shot a subject that never turned, and its "poses" are only what was commanded.
struct PoseProvenance {
  std::string kind;     // sim_rendered | commanded | commanded_to_simulated_turntable |
                        // no_turntable
  std::string text;     // one sentence for a person
  bool usable = false;  // false: the images were not taken at these poses (flagged)
};
PoseProvenance pose_provenance(const config::Config& cfg);

// File-name part of each preset's transforms_<part>.json, in the order given: the preset's
// name made file-system safe ([A-Za-z0-9_-]); presets whose safe names collide ("a.b" and
// "a_b") get "_2", "_3", ... in that order, never a name another preset has. Deterministic.
std::vector<std::string> preset_file_parts(const std::vector<std::string>& presets);
// A preset name as it appears in an export file name (transforms_<part>.json): letters,
// digits, '-' and '_' kept, anything else '_'. Preflight refuses presets that collide under it.
std::string export_file_part(const std::string& preset);

// Frames left out of the pose exports: the camera reported an exposure for them that did not
// match the commanded one (exposure_verified false with reported_valid true) — their
// brightness is not the set's. Frames whose exposure the camera did not report cannot be
// verified: they stay in, flagged "exposure_verified": false, and the README lists them.
bool excluded_for_exposure(const FrameRecord& f);

struct ExportSummary {
  std::vector<std::string> written;   // paths under data/ ("exports/transforms.json", ...)
  size_t frames_exported = 0;         // frames in transforms.json
  std::string skipped_reason;         // why no poses were written (not an orbit session, ...)
  std::vector<std::string> excluded;  // "name: why" of frames left out (exposure mismatch)
  PoseProvenance poses;
};

// Writes data/exports/{transforms.json, transforms_<preset>.json, colmap/*.txt, README.txt}
// through the bag (atomic, in the manifest). Frames at the base exposure only (the bracket
// step closest to 0 EV); JPEG originals when every frame has one, else previews. A session
// that is not an orbit (buttons, single) gets only README.txt saying why there are no poses.
Result<ExportSummary> write_exports(Bag& bag, const std::vector<FrameRecord>& frames,
                                    const config::Config& cfg);
// The same, streaming: a few passes over `frames` (each record visited, never all held), every
// large file written as it goes, so a 100 000-frame session's close costs what a 100-frame
// one does plus a few bytes per exported frame.
Result<ExportSummary> write_exports(Bag& bag, const FrameSource& frames, const config::Config& cfg);

}  // namespace tb::capture
