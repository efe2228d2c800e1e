// The export files: frame selection, Nerfstudio JSON and COLMAP text read back, and the whole
// data/exports/ written into a real bag that still verifies.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include "exports_test_support.hpp"
#include "tetherbox/capture/exports.hpp"
#include "tetherbox/capture/storage.hpp"
#include "tetherbox/hal/sim/sim.hpp"

namespace tb::capture {
namespace {

FrameRecord frame(uint64_t seq, double az, double el, const std::string& light, double ev,
                  bool jpeg = true, bool preview = true) {
  FrameRecord f;
  f.seq = seq;
  f.name = "s_" + std::to_string(seq);
  f.position.azimuth_deg = az;
  f.position.elevation_deg = el;
  f.position.light = light;
  f.position.ev_offset = ev;
  f.exposure_verified = true;
  f.files.push_back({"original", "data/frames/" + f.name + ".dng", "DSC.NEF", 10, ""});
  if (jpeg) f.files.push_back({"original", "data/frames/" + f.name + ".jpg", "DSC.JPG", 10, ""});
  f.files.push_back({"sidecar", "data/frames/" + f.name + ".xmp", "", 10, ""});
  if (preview) f.files.push_back({"preview", "data/previews/" + f.name + ".jpg", "", 10, ""});
  return f;
}

ExportCamera cam() {
  ExportCamera c;
  c.width = 300;
  c.height = 200;
  c.distance_m = 1.0;
  c.look_at_height_m = 0.165;
  return c;
}

TEST(Formats, SelectsBaseExposureOneLightSortedBySeq) {
  std::vector<FrameRecord> fs = {frame(5, 20, 0, "key", 0), frame(1, 0, 0, "key", 0),
                                 frame(2, 0, 0, "key", -1), frame(3, 0, 0, "warm", 0),
                                 frame(4, 10, 0, "key", 0, false, false)};
  const auto sel = select_frames(fs, "key", 0.0);
  ASSERT_EQ(sel.size(), 2u);
  EXPECT_EQ(sel[0].seq, 1u);
  EXPECT_EQ(sel[1].seq, 5u);
  EXPECT_EQ(select_frames(fs, "", 0.0).size(), 3u);
  EXPECT_EQ(select_frames(fs, "key", -1.0).size(), 1u);
}

TEST(Formats, PrefersJpegOriginalElsePreview) {
  EXPECT_EQ(export_image_path(frame(1, 0, 0, "k", 0), ImageSource::jpeg_else_preview),
            "data/frames/s_1.jpg");
  EXPECT_EQ(export_image_path(frame(1, 0, 0, "k", 0, false), ImageSource::jpeg_else_preview),
            "data/previews/s_1.jpg");
  EXPECT_EQ(export_image_path(frame(1, 0, 0, "k", 0, false), ImageSource::jpeg_original), "");
  EXPECT_EQ(export_image_path(frame(1, 0, 0, "k", 0), ImageSource::preview),
            "data/previews/s_1.jpg");
}

TEST(Formats, NerfstudioJsonHasIntrinsicsAndMatrices) {
  std::vector<FrameRecord> fs = {frame(0, 0, 0, "key", 0), frame(1, 30, 20, "key", 0),
                                 frame(2, 30, 20, "key", 1)};
  const auto j = nerfstudio_transforms(fs, cam(), "key", 0.0);
  EXPECT_EQ(j["camera_model"], "OPENCV");
  EXPECT_EQ(j["w"], 300);
  EXPECT_EQ(j["h"], 200);
  EXPECT_NEAR(j["fl_x"].get<double>(), 50.0 * 300 / 36, 1e-9);
  EXPECT_NEAR(j["fl_y"].get<double>(), 50.0 * 200 / 24, 1e-9);
  EXPECT_DOUBLE_EQ(j["cx"].get<double>(), 150.0);
  EXPECT_DOUBLE_EQ(j["cy"].get<double>(), 100.0);
  ASSERT_EQ(j["frames"].size(), 2u);
  EXPECT_EQ(j["frames"][1]["file_path"], "../frames/s_1.jpg");
  const auto m = camera_to_world(30, 20, cam());
  const auto& t = j["frames"][1]["transform_matrix"];
  ASSERT_EQ(t.size(), 4u);
  for (int r = 0; r < 4; ++r) {
    ASSERT_EQ(t[r].size(), 4u);
    for (int c = 0; c < 4; ++c) EXPECT_DOUBLE_EQ(t[r][c].get<double>(), m[r * 4 + c]);
  }
  // Survives a text round trip (what Nerfstudio reads).
  const auto back = nlohmann::json::parse(j.dump());
  EXPECT_DOUBLE_EQ(back["frames"][1]["transform_matrix"][2][3].get<double>(), m[11]);
}

TEST(Formats, ColmapImagesReproduceTheInverseOfTransformMatrix) {
  std::vector<FrameRecord> fs;
  for (int i = 0; i < 12; ++i) fs.push_back(frame(i, i * 30.0, (i % 3) * 15.0, "key", 0));
  const auto j = nerfstudio_transforms(fs, cam(), "key", 0.0);
  const std::string txt = colmap_images_txt(fs, cam(), "key", 0.0);
  std::istringstream in(txt);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    int id = 0, cam_id = 0;
    ColmapPose p;
    std::string name;
    ls >> id >> p.q[0] >> p.q[1] >> p.q[2] >> p.q[3] >> p.t[0] >> p.t[1] >> p.t[2] >> cam_id >>
        name;
    ASSERT_TRUE(ls) << line;
    EXPECT_EQ(cam_id, 1);
    EXPECT_EQ(name, "frames/s_" + std::to_string(id - 1) + ".jpg");
    // x_cam(OpenCV) = R x + t must equal flip * inverse(transform_matrix) * x for any x.
    const auto& t = j["frames"][n]["transform_matrix"];
    test::Mat3 r;
    test::Vec3 c;
    for (int a = 0; a < 3; ++a) {
      for (int b = 0; b < 3; ++b) r[a][b] = t[a][b].get<double>();
      c[a] = t[a][3].get<double>();
    }
    for (const test::Vec3 x : {test::Vec3{0.1, 0.2, -0.3}, test::Vec3{-1, 0.5, 2}}) {
      const auto got = test::to_camera(p, x);
      test::Vec3 d{x[0] - c[0], x[1] - c[1], x[2] - c[2]};
      for (int a = 0; a < 3; ++a) {
        const double gl = r[0][a] * d[0] + r[1][a] * d[1] + r[2][a] * d[2];
        EXPECT_NEAR(got[a], a == 0 ? gl : -gl, 1e-12) << line;
      }
    }
    ++n;
    // The points line follows (empty: no observations).
    ASSERT_TRUE(std::getline(in, line));
    EXPECT_EQ(line, "");
  }
  EXPECT_EQ(n, 12);
}

TEST(Formats, ColmapCamerasLine) {
  const std::string txt = colmap_cameras_txt(cam());
  const auto pos = txt.find("\n1 ");
  ASSERT_NE(pos, std::string::npos);
  std::istringstream ls(txt.substr(pos + 1));
  int id, w, h;
  std::string model;
  double fx, fy, cx, cy;
  ls >> id >> model >> w >> h >> fx >> fy >> cx >> cy;
  ASSERT_TRUE(ls);
  EXPECT_EQ(model, "PINHOLE");
  EXPECT_EQ(w, 300);
  EXPECT_EQ(h, 200);
  EXPECT_NEAR(fx, 50.0 * 300 / 36, 1e-9);
  EXPECT_NEAR(cy, 100.0, 1e-12);
}

// ---- write_exports into a real bag -----------------------------------------------------

class BagExports : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("tb_exports_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
    auto b = Bag::create(root_, "bag");
    ASSERT_TRUE(b) << b.error().message;
    bag_ = std::move(*b);
  }
  void TearDown() override { fs::remove_all(root_); }

  std::vector<uint8_t> jpeg(int w, int h) {
    hal::sim::LinearImage img;
    img.width = w;
    img.height = h;
    img.rgb.assign(static_cast<size_t>(w) * h * 3, 0.3f);
    auto j = hal::sim::encode_jpeg_srgb(img, 80);
    EXPECT_TRUE(j);
    return *j;
  }
  // Puts the frame's JPEG original (w x h) and preview (w/2 x h/2) into the bag.
  void put_images(const FrameRecord& f, int w, int h) {
    for (const auto& file : f.files) {
      const bool orig = file.role == "original" && file.path.ends_with(".jpg");
      if (!orig && file.role != "preview") continue;
      auto r = bag_->put(file.path.substr(5), orig ? jpeg(w, h) : jpeg(w / 2, h / 2));
      ASSERT_TRUE(r) << r.error().message;
    }
  }
  std::string read(const std::string& rel) {
    std::ifstream in(bag_->dir() / "data" / rel);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  fs::path root_;
  std::unique_ptr<Bag> bag_;
};

TEST_F(BagExports, JpegSizeFromTheFrameHeader) {
  ASSERT_TRUE(bag_->put("frames/a.jpg", jpeg(96, 40)));
  auto s = jpeg_size(bag_->dir() / "data/frames/a.jpg");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->first, 96);
  EXPECT_EQ(s->second, 40);
  ASSERT_TRUE(bag_->put("frames/b.jpg", std::string("not a jpeg")));
  EXPECT_FALSE(jpeg_size(bag_->dir() / "data/frames/b.jpg"));
  EXPECT_FALSE(jpeg_size(bag_->dir() / "data/frames/missing.jpg"));
}

TEST_F(BagExports, PerPresetTransformsColmapAndReadmeInTheManifest) {
  config::Config cfg;
  cfg.orbit.subject_distance_m = 0.9;
  cfg.lighting.presets = {{"warm", {}, 0}, {"key", {}, 0}};
  std::vector<FrameRecord> fs;
  uint64_t seq = 0;
  for (int i = 0; i < 4; ++i)
    for (const char* light : {"key", "warm"})
      for (double ev : {-1.0, 0.0, 1.0}) fs.push_back(frame(seq++, i * 90.0, 10, light, ev));
  for (const auto& f : fs) put_images(f, 64, 48);

  auto r = write_exports(*bag_, fs, cfg);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->frames_exported, 4u);
  for (const char* p :
       {"exports/transforms.json", "exports/transforms_warm.json", "exports/transforms_key.json",
        "exports/colmap/cameras.txt", "exports/colmap/images.txt", "exports/colmap/points3D.txt",
        "exports/README.txt"})
    EXPECT_TRUE(bag_->has(p)) << p;

  // transforms.json is the first preset in config order (warm), base exposure only, JPEGs.
  const auto j = nlohmann::json::parse(read("exports/transforms.json"));
  EXPECT_EQ(j["w"], 64);
  EXPECT_EQ(j["h"], 48);
  ASSERT_EQ(j["frames"].size(), 4u);
  for (const auto& f : j["frames"]) {
    EXPECT_EQ(f["tetherbox"]["light"], "warm");
    EXPECT_EQ(f["tetherbox"]["ev_offset"], 0.0);
    const fs::path img = bag_->dir() / "data/exports" / f["file_path"].get<std::string>();
    EXPECT_TRUE(fs::exists(img)) << img;
  }
  const auto key = nlohmann::json::parse(read("exports/transforms_key.json"));
  ASSERT_EQ(key["frames"].size(), 4u);
  EXPECT_EQ(key["frames"][0]["tetherbox"]["light"], "key");
  EXPECT_NE(read("exports/colmap/images.txt").find("Number of images: 4"), std::string::npos);
  EXPECT_NE(read("exports/README.txt").find("+0.00 EV"), std::string::npos);

  ASSERT_TRUE(bag_->finalize({{"Source-Organization", "test"}}));
  auto v = verify_bag(bag_->dir());
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_TRUE(v->ok()) << (v->extra.empty() ? "" : v->extra.front());
}

TEST_F(BagExports, PreviewsWhenThereAreNoJpegOriginalsAndOddSizesLeftOut) {
  config::Config cfg;
  std::vector<FrameRecord> fs;
  for (int i = 0; i < 3; ++i) fs.push_back(frame(i, i * 120.0, 0, "ambient", 0, false));
  for (int i = 0; i < 2; ++i) put_images(fs[i], 64, 48);
  put_images(fs[2], 80, 48);  // a preview of another size

  auto r = write_exports(*bag_, fs, cfg);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->frames_exported, 2u);
  EXPECT_FALSE(bag_->has("exports/transforms_ambient.json"));  // one preset: transforms.json only
  const auto j = nlohmann::json::parse(read("exports/transforms.json"));
  EXPECT_EQ(j["w"], 32);
  EXPECT_EQ(j["h"], 24);
  EXPECT_EQ(j["frames"][0]["file_path"], "../previews/s_0.jpg");
  const std::string readme = read("exports/README.txt");
  EXPECT_NE(readme.find("previews"), std::string::npos);
  EXPECT_NE(readme.find("s_2.jpg: 40x24, expected 32x24"), std::string::npos);
}

TEST_F(BagExports, BaseExposureIsTheStepNearestZeroEv) {
  config::Config cfg;
  std::vector<FrameRecord> fs = {frame(0, 0, 0, "a", -2), frame(1, 0, 0, "a", 1),
                                 frame(2, 90, 0, "a", -2), frame(3, 90, 0, "a", 1)};
  for (const auto& f : fs) put_images(f, 32, 32);
  auto r = write_exports(*bag_, fs, cfg);
  ASSERT_TRUE(r) << r.error().message;
  const auto j = nlohmann::json::parse(read("exports/transforms.json"));
  ASSERT_EQ(j["frames"].size(), 2u);
  EXPECT_EQ(j["frames"][0]["tetherbox"]["seq"], 1);
  EXPECT_EQ(j["frames"][1]["tetherbox"]["seq"], 3);
}

TEST_F(BagExports, ButtonsSessionGetsOnlyAReadme) {
  config::Config cfg;
  cfg.session.mode = "buttons";
  std::vector<FrameRecord> fs = {frame(0, 0, 0, "a", 0)};
  put_images(fs[0], 32, 32);
  auto r = write_exports(*bag_, fs, cfg);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->frames_exported, 0u);
  EXPECT_NE(r->skipped_reason.find("buttons"), std::string::npos);
  EXPECT_EQ(r->written, std::vector<std::string>{"exports/README.txt"});
  EXPECT_FALSE(bag_->has("exports/transforms.json"));
}

TEST(Formats, PresetFilePartsAreDistinctAndDeterministic) {
  EXPECT_EQ(preset_file_parts({"a.b", "a_b"}), (std::vector<std::string>{"a_b", "a_b_2"}));
  EXPECT_EQ(preset_file_parts({"a_b", "a.b"}), (std::vector<std::string>{"a_b", "a_b_2"}));
  // A suffix never takes another preset's own name.
  EXPECT_EQ(preset_file_parts({"a.b", "a b", "a_b_2"}),
            (std::vector<std::string>{"a_b", "a_b_3", "a_b_2"}));
  EXPECT_EQ(preset_file_parts({"key", "fill"}), (std::vector<std::string>{"key", "fill"}));
  EXPECT_EQ(preset_file_parts({"", "."}), (std::vector<std::string>{"_", "__2"}));
}

// Issue 8 item 12: two presets "a.b" and "a_b" wrote one export file (the second replaced the
// first). Each preset now has its own file, with its own frames.
TEST_F(BagExports, PresetsWhoseSafeNamesCollideGetTheirOwnFiles) {
  config::Config cfg;
  cfg.lighting.presets = {{"a.b", {}, 0}, {"a_b", {}, 0}};
  std::vector<FrameRecord> fs;
  uint64_t seq = 0;
  for (int i = 0; i < 3; ++i)
    for (const char* light : {"a.b", "a_b"}) fs.push_back(frame(seq++, i * 120.0, 0, light, 0));
  for (const auto& f : fs) put_images(f, 32, 32);
  auto r = write_exports(*bag_, fs, cfg);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_TRUE(bag_->has("exports/transforms_a_b.json"));
  ASSERT_TRUE(bag_->has("exports/transforms_a_b_2.json"));
  const auto first = nlohmann::json::parse(read("exports/transforms_a_b.json"));
  const auto second = nlohmann::json::parse(read("exports/transforms_a_b_2.json"));
  EXPECT_EQ(first["tetherbox"]["light"], "a.b");
  EXPECT_EQ(second["tetherbox"]["light"], "a_b");
  ASSERT_EQ(second["frames"].size(), 3u);
  for (const auto& f : second["frames"]) EXPECT_EQ(f["tetherbox"]["light"], "a_b");
  EXPECT_NE(read("exports/README.txt").find("a_b (3 frames)  -> transforms_a_b_2.json"),
            std::string::npos)
      << read("exports/README.txt");
}

// Issue 8 item 10: frames that failed exposure verification went into transforms.json and the
// COLMAP model unflagged. A reported mismatch is left out and listed; a frame whose exposure
// the camera did not report stays in, flagged.
TEST_F(BagExports, FramesThatFailedExposureVerificationAreLeftOutAndListed) {
  config::Config cfg;
  std::vector<FrameRecord> fs;
  for (int i = 0; i < 4; ++i) fs.push_back(frame(i, i * 90.0, 0, "key", 0));
  fs[1].exposure_verified = false;  // camera reported another exposure
  fs[2].exposure_verified = false;
  fs[2].reported_valid = false;  // camera reported nothing: cannot be verified
  for (const auto& f : fs) put_images(f, 32, 32);
  auto r = write_exports(*bag_, fs, cfg);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->frames_exported, 3u);
  ASSERT_EQ(r->excluded.size(), 1u);
  EXPECT_NE(r->excluded[0].find("s_1"), std::string::npos);
  const auto j = nlohmann::json::parse(read("exports/transforms.json"));
  ASSERT_EQ(j["frames"].size(), 3u);
  for (const auto& f : j["frames"]) {
    EXPECT_NE(f["tetherbox"]["name"], "s_1");
    EXPECT_EQ(f["tetherbox"]["exposure_verified"], f["tetherbox"]["name"] != "s_2");
  }
  EXPECT_EQ(j["tetherbox"]["excluded_frames"].size(), 1u);
  const std::string images = read("exports/colmap/images.txt");
  EXPECT_EQ(images.find("frames/s_1.jpg"), std::string::npos);
  EXPECT_NE(images.find("frames/s_2.jpg"), std::string::npos);
  EXPECT_NE(images.find("Number of images: 3"), std::string::npos);
  const std::string readme = read("exports/README.txt");
  EXPECT_NE(readme.find("Left out (exposure verification failed"), std::string::npos) << readme;
  EXPECT_NE(readme.find("Included but not verified"), std::string::npos) << readme;
}

TEST_F(BagExports, EveryFrameFailedVerificationGivesAReadmeOnly) {
  config::Config cfg;
  std::vector<FrameRecord> fs = {frame(0, 0, 0, "key", 0)};
  fs[0].exposure_verified = false;
  put_images(fs[0], 32, 32);
  auto r = write_exports(*bag_, fs, cfg);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FALSE(bag_->has("exports/transforms.json"));
  EXPECT_NE(read("exports/README.txt").find("s_0 (seq 0)"), std::string::npos);
}

// Issue 8 item 10: a real camera with the sim turntable exported "exact" poses of a subject
// that never turned. Every export now says where its poses come from, and flags these.
TEST_F(BagExports, RealCameraWithTheSimTurntableIsFlagged) {
  config::Config cfg;
  cfg.camera.backend = "gphoto2";
  cfg.turntable.backend = "sim";
  std::vector<FrameRecord> fs;
  for (int i = 0; i < 2; ++i) fs.push_back(frame(i, i * 180.0, 0, "key", 0));
  for (const auto& f : fs) put_images(f, 32, 32);
  auto r = write_exports(*bag_, fs, cfg);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FALSE(r->poses.usable);
  const auto j = nlohmann::json::parse(read("exports/transforms.json"));
  EXPECT_EQ(j["tetherbox"]["poses_usable"], false);
  EXPECT_EQ(j["tetherbox"]["pose_source"], "commanded_to_simulated_turntable");
  EXPECT_NE(j["tetherbox"]["poses"].get<std::string>().find("SIMULATED turntable, not measured"),
            std::string::npos);
  EXPECT_NE(read("exports/colmap/images.txt").find("# tetherbox poses_usable: false"),
            std::string::npos);
  const std::string readme = read("exports/README.txt");
  EXPECT_NE(readme.find("WARNING: THESE POSES DO NOT DESCRIBE THE IMAGES"), std::string::npos);
  EXPECT_EQ(readme.find("exactly"), std::string::npos) << readme;
}

TEST(Formats, PoseProvenanceNamesTheDevices) {
  config::Config cfg;
  cfg.camera.backend = "sim";
  cfg.turntable.backend = "sim";
  EXPECT_EQ(pose_provenance(cfg).kind, "sim_rendered");
  EXPECT_TRUE(pose_provenance(cfg).usable);
  cfg.camera.backend = "libcamera";
  EXPECT_EQ(pose_provenance(cfg).kind, "commanded_to_simulated_turntable");
  EXPECT_FALSE(pose_provenance(cfg).usable);
  cfg.turntable.backend = "none";
  EXPECT_EQ(pose_provenance(cfg).kind, "no_turntable");
  EXPECT_FALSE(pose_provenance(cfg).usable);
  cfg.turntable.backend = "gcode";
  const auto p = pose_provenance(cfg);
  EXPECT_EQ(p.kind, "commanded");
  EXPECT_TRUE(p.usable);
  EXPECT_NE(p.text.find("commanded to the turntable (gcode), not measured"), std::string::npos);
}

}  // namespace
}  // namespace tb::capture
