// capture::exposure_from_file on the files the sim camera writes (JPEG Exif APP1, DNG Exif
// IFD), on a JPEG tagged by exiftool, and on bytes that are not an image.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "sim_test_support.hpp"
#include "tetherbox/capture/file_exposure.hpp"
#include "tetherbox/hal/sim/sim.hpp"

namespace tb::hal::sim {
namespace {

namespace fs = std::filesystem;
using capture::exposure_from_file;
using test::FakeClock;
using test::small_config;

std::string run(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[512];
  while (fgets(buf, sizeof buf, p)) out += buf;
  pclose(p);
  return out;
}

fs::path write_temp(const std::vector<uint8_t>& bytes, const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("tb-file-exposure-" + std::to_string(getpid()));
  fs::create_directories(dir);
  const fs::path p = dir / name;
  std::ofstream(p, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
  return p;
}

std::vector<uint8_t> read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

TEST(FileExposure, SimJpegAndDngCarryTheExposureActuallyUsed) {
  auto cfg = small_config(96, 64);
  cfg.camera.format = "raw+jpeg";
  cfg.camera.sim.faults.wrong_exposure_at = {1};
  auto cam = make_camera(make_world(), cfg, std::make_shared<FakeClock>());
  ASSERT_TRUE(cam->open().ok());
  ASSERT_TRUE(cam->set_exposure(ExposureSettings{1.0 / 250, 5.6, 400, 0}).ok());
  auto good = cam->capture(1), wrong = cam->capture(2);
  ASSERT_TRUE(good.ok() && wrong.ok());
  for (const auto& f : good->files) {
    auto e = exposure_from_file(f.data);
    ASSERT_TRUE(e.has_value()) << f.camera_name;
    EXPECT_DOUBLE_EQ(*e->shutter_s, 1.0 / 250) << f.camera_name;
    EXPECT_DOUBLE_EQ(*e->aperture, 5.6);
    EXPECT_EQ(*e->iso, 400);
    EXPECT_DOUBLE_EQ(*e->focal_length_mm, cfg.lens.focal_length_mm);
    EXPECT_EQ(e->source, f.extension == "jpg" ? "file EXIF (jpg)" : "file EXIF (tiff)");
  }
  // The injected fault: one stop over in the files too, so the file catches the mismatch with
  // what was commanded.
  for (const auto& f : wrong->files) {
    auto e = exposure_from_file(f.data);
    ASSERT_TRUE(e.has_value());
    EXPECT_DOUBLE_EQ(*e->shutter_s, 2.0 / 250) << f.camera_name;
  }
}

TEST(FileExposure, OneModelNameInInfoJpegAndDng) {
  auto cfg = small_config(64, 48);
  cfg.camera.format = "raw+jpeg";
  auto cam = make_camera(make_world(), cfg, std::make_shared<FakeClock>());
  auto info = cam->open();
  ASSERT_TRUE(info.ok());
  auto shot = cam->capture(1);
  ASSERT_TRUE(shot.ok());
  for (const auto& f : shot->files) {
    const auto p = write_temp(f.data, f.camera_name);
    // exiftool: an independent reader of both files.
    EXPECT_EQ(run("exiftool -s3 -Model '" + p.string() + "'"), info->model + "\n") << p;
    if (f.extension == "dng") {
      EXPECT_EQ(run("exiftool -s3 -UniqueCameraModel '" + p.string() + "'"), info->model + "\n");
    }
    if (f.extension == "jpg") {
      // Every tag Exif 2.3 requires of a JPEG is there.
      EXPECT_EQ(run("exiftool -s3 -validate '" + p.string() + "'"), "OK\n");
    }
    EXPECT_EQ(run("exiftool -s3 -Make '" + p.string() + "'"), "tetherbox\n");
    fs::remove(p);
  }
}

TEST(FileExposure, ReadsAJpegTaggedByExiftool) {
  LinearImage img;
  img.width = 16;
  img.height = 16;
  img.rgb.assign(16 * 16 * 3, 0.2f);
  auto jpeg = encode_jpeg_srgb(img, 85);
  ASSERT_TRUE(jpeg.ok());
  EXPECT_FALSE(exposure_from_file(*jpeg).has_value()) << "no Exif yet";
  const auto p = write_temp(*jpeg, "plain.jpg");
  run("exiftool -q -overwrite_original -ExposureTime=1/60 -FNumber=2.8 -ISO=3200 "
      "-FocalLength=85 '" +
      p.string() + "'");
  auto e = exposure_from_file(read_all(p));
  fs::remove(p);
  ASSERT_TRUE(e.has_value());
  EXPECT_DOUBLE_EQ(*e->shutter_s, 1.0 / 60);
  EXPECT_DOUBLE_EQ(*e->aperture, 2.8);
  EXPECT_EQ(*e->iso, 3200);
  EXPECT_DOUBLE_EQ(*e->focal_length_mm, 85.0);
}

TEST(FileExposure, GarbageAndDamagedFilesGiveNothing) {
  EXPECT_FALSE(exposure_from_file({}).has_value());
  std::vector<uint8_t> junk(4096);
  for (size_t i = 0; i < junk.size(); ++i) junk[i] = static_cast<uint8_t>(i * 131 + 7);
  EXPECT_FALSE(exposure_from_file(junk).has_value());
  // A TIFF header whose IFD points far outside the file, and one with an absurd entry count.
  std::vector<uint8_t> tiff{'I', 'I', 42, 0, 0xF0, 0xFF, 0xFF, 0x7F};
  EXPECT_FALSE(exposure_from_file(tiff).has_value());
  std::vector<uint8_t> tiff2{'M', 'M', 0, 42, 0, 0, 0, 8, 0xFF, 0xFF, 0, 0};
  EXPECT_FALSE(exposure_from_file(tiff2).has_value());
  // A real sim JPEG cut at every length through its Exif segment, and with its Exif scrambled.
  auto cfg = small_config(32, 32);
  auto cam = make_camera(make_world(), cfg, std::make_shared<FakeClock>());
  ASSERT_TRUE(cam->open().ok());
  auto shot = cam->capture(1);
  ASSERT_TRUE(shot.ok());
  const auto& full = shot->files[0].data;
  ASSERT_TRUE(exposure_from_file(full).has_value());
  for (size_t n = 0; n < 400 && n < full.size(); ++n) {
    std::vector<uint8_t> cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    (void)exposure_from_file(cut);  // any answer but a crash (ASan watches)
  }
  for (size_t i = 30; i < 200 && i < full.size(); i += 3) {
    auto bad = full;
    bad[i] ^= 0xA5;
    (void)exposure_from_file(bad);
  }
}

}  // namespace
}  // namespace tb::hal::sim
