// The gphoto2 backend against libgphoto2's virtual PTP camera (vcamera: a Nikon D750 behind the
// vusb port driver, real ptp2 driver), with its fault files: unplug, busy, slow link.
//
// Each test runs in its own process (ctest passes --gtest_filter), because the virtual body's
// state (card, file counter, settings) lives in vusb.so until the process exits. The card is a
// per-test copy of the seed JPEG with a fixed-size trailer after its EOI marker; the test writes
// the request id into the trailer before each capture, and the body serves the file as it is at
// download time, so each delivered file proves which request it belongs to.
//
// No assertion here depends on how fast the machine is: faults are injected at exact points of
// a capture through Options::on_gp_call (the libgphoto2 call about to be made), bounds are
// counted in libgphoto2 calls, and the only timeouts are ctest's hang guards.
#include <gphoto2/gphoto2.h>
#include <gtest/gtest.h>
#include <openssl/sha.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "tetherbox/capture/file_exposure.hpp"
#include "tetherbox/hal/gphoto2/gphoto2_camera.hpp"

namespace fs = std::filesystem;
namespace gp = tb::hal::gphoto2_backend;
using namespace std::chrono_literals;
using tb::Errc;

namespace {

constexpr size_t kTrailer = 32;

// A 32x24 baseline JPEG (cjpeg -quality 80 of a gradient): the card image for tests that shoot
// many frames, where the 12 MB seed would only measure the machine.
const uint8_t kSmallJpeg[] = {
    0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01,
    0x00, 0x01, 0x00, 0x00, 0xff, 0xdb, 0x00, 0x43, 0x00, 0x06, 0x04, 0x05, 0x06, 0x05, 0x04, 0x06,
    0x06, 0x05, 0x06, 0x07, 0x07, 0x06, 0x08, 0x0a, 0x10, 0x0a, 0x0a, 0x09, 0x09, 0x0a, 0x14, 0x0e,
    0x0f, 0x0c, 0x10, 0x17, 0x14, 0x18, 0x18, 0x17, 0x14, 0x16, 0x16, 0x1a, 0x1d, 0x25, 0x1f, 0x1a,
    0x1b, 0x23, 0x1c, 0x16, 0x16, 0x20, 0x2c, 0x20, 0x23, 0x26, 0x27, 0x29, 0x2a, 0x29, 0x19, 0x1f,
    0x2d, 0x30, 0x2d, 0x28, 0x30, 0x25, 0x28, 0x29, 0x28, 0xff, 0xdb, 0x00, 0x43, 0x01, 0x07, 0x07,
    0x07, 0x0a, 0x08, 0x0a, 0x13, 0x0a, 0x0a, 0x13, 0x28, 0x1a, 0x16, 0x1a, 0x28, 0x28, 0x28, 0x28,
    0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28,
    0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28,
    0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0xff, 0xc0,
    0x00, 0x11, 0x08, 0x00, 0x18, 0x00, 0x20, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11,
    0x01, 0xff, 0xc4, 0x00, 0x1f, 0x00, 0x00, 0x01, 0x05, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09,
    0x0a, 0x0b, 0xff, 0xc4, 0x00, 0xb5, 0x10, 0x00, 0x02, 0x01, 0x03, 0x03, 0x02, 0x04, 0x03, 0x05,
    0x05, 0x04, 0x04, 0x00, 0x00, 0x01, 0x7d, 0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21,
    0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07, 0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23,
    0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0, 0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17,
    0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a,
    0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a,
    0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a,
    0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99,
    0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7,
    0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5,
    0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1,
    0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xff, 0xc4, 0x00, 0x1f, 0x01, 0x00, 0x03,
    0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
    0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0xff, 0xc4, 0x00, 0xb5, 0x11, 0x00,
    0x02, 0x01, 0x02, 0x04, 0x04, 0x03, 0x04, 0x07, 0x05, 0x04, 0x04, 0x00, 0x01, 0x02, 0x77, 0x00,
    0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61, 0x71, 0x13,
    0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91, 0xa1, 0xb1, 0xc1, 0x09, 0x23, 0x33, 0x52, 0xf0, 0x15,
    0x62, 0x72, 0xd1, 0x0a, 0x16, 0x24, 0x34, 0xe1, 0x25, 0xf1, 0x17, 0x18, 0x19, 0x1a, 0x26, 0x27,
    0x28, 0x29, 0x2a, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49,
    0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69,
    0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88,
    0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6,
    0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4,
    0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe2,
    0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9,
    0xfa, 0xff, 0xda, 0x00, 0x0c, 0x03, 0x01, 0x00, 0x02, 0x11, 0x03, 0x11, 0x00, 0x3f, 0x00, 0xf0,
    0x0b, 0x1d, 0x1f, 0xa7, 0xcb, 0x5d, 0x05, 0x8e, 0x8f, 0xd3, 0xe5, 0xae, 0x96, 0xcb, 0x47, 0xe9,
    0xf2, 0xd6, 0xfd, 0x8e, 0x91, 0xd3, 0xe5, 0xab, 0xa3, 0x50, 0xe6, 0xcb, 0x33, 0x8d, 0xb5, 0x39,
    0xab, 0x1d, 0x23, 0xa7, 0xcb, 0x5d, 0x05, 0x8e, 0x8f, 0xd3, 0xe5, 0xae, 0x96, 0xc7, 0x48, 0xe9,
    0xf2, 0xd7, 0x41, 0x65, 0xa3, 0xf4, 0xf9, 0x6b, 0xd5, 0xa3, 0x50, 0xfd, 0x0b, 0x2c, 0xce, 0x36,
    0xd4, 0xc5, 0xb1, 0xd1, 0xfa, 0x7c, 0xb5, 0xbf, 0x63, 0xa4, 0x74, 0xf9, 0x68, 0xa2, 0xbe, 0x76,
    0x8c, 0x99, 0xfc, 0xed, 0x96, 0x62, 0xaa, 0x69, 0xa9, 0xd0, 0x59, 0x69, 0x1d, 0x3e, 0x5a, 0xdc,
    0x83, 0x4d, 0x48, 0x63, 0xdf, 0x20, 0xc0, 0x1f, 0xad, 0x14, 0x56, 0xf8, 0xec, 0x5d, 0x4c, 0x26,
    0x0e, 0xad, 0x7a, 0x7f, 0x14, 0x62, 0xda, 0xbf, 0x91, 0xfa, 0x2e, 0x53, 0x88, 0xa9, 0x29, 0x45,
    0x36, 0x7f, 0xff, 0xd9,
};

// Records the libgphoto2 calls the backend makes (Options::on_gp_call), in order, and lets a
// test act when a given call is about to happen.
struct CallLog {
  std::mutex mu;
  std::vector<std::string> calls;
  std::map<std::string, std::function<void()>> on;  // run (once) before the named call

  tb::hal::gphoto2_backend::Options options() {
    tb::hal::gphoto2_backend::Options o;
    o.on_gp_call = [this](std::string_view call) {
      std::function<void()> act;
      {
        std::lock_guard lock(mu);
        calls.emplace_back(call);
        auto it = on.find(std::string(call));
        if (it != on.end()) {
          act = std::move(it->second);
          on.erase(it);
        }
      }
      if (act) act();
    };
    return o;
  }
  void when(const std::string& call, std::function<void()> act) {
    std::lock_guard lock(mu);
    on[call] = std::move(act);
  }
  size_t count(const std::string& call) {
    std::lock_guard lock(mu);
    return static_cast<size_t>(std::count(calls.begin(), calls.end(), call));
  }
  size_t size() {
    std::lock_guard lock(mu);
    return calls.size();
  }
  std::vector<std::string> since(size_t from) {
    std::lock_guard lock(mu);
    return {calls.begin() + static_cast<std::ptrdiff_t>(std::min(from, calls.size())), calls.end()};
  }
};

ptrdiff_t index_of(const std::vector<std::string>& v, const std::string& x, size_t from = 0) {
  for (size_t i = from; i < v.size(); ++i)
    if (v[i] == x) return static_cast<ptrdiff_t>(i);
  return -1;
}

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

std::string marker_for(uint64_t id) {
  char buf[kTrailer + 1];
  std::snprintf(buf, sizeof buf, "TBREQ:%024llu\n\n", static_cast<unsigned long long>(id));
  return std::string(buf, kTrailer);
}

std::string trailer_of(const std::vector<uint8_t>& data) {
  if (data.size() < kTrailer) return {};
  return std::string(data.end() - kTrailer, data.end());
}

std::string sha256_hex(const std::vector<uint8_t>& data) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(data.data(), data.size(), md);
  std::string out;
  char b[3];
  for (unsigned char c : md) {
    std::snprintf(b, sizeof b, "%02x", c);
    out += b;
  }
  return out;
}

// An independent libgphoto2 session (not the backend) to read what the body holds.
struct RawReader {
  GPContext* ctx = gp_context_new();
  Camera* cam = nullptr;
  RawReader() {
    gp_camera_new(&cam);
    int rc = gp_camera_init(cam, ctx);
    if (rc < GP_OK) ADD_FAILURE() << "raw reader init: " << gp_result_as_string(rc);
  }
  ~RawReader() {
    gp_camera_exit(cam, ctx);
    gp_camera_free(cam);
    gp_context_unref(ctx);
  }
  std::string text(const char* name) {
    CameraWidget* w = nullptr;
    if (gp_camera_get_single_config(cam, name, &w, ctx) < GP_OK) return "<missing>";
    const char* v = nullptr;
    gp_widget_get_value(w, &v);
    std::string out = v ? v : "";
    gp_widget_free(w);
    return out;
  }
  // Files in the capture folders (DCIM/1xxGPHOT), the seed excluded.
  std::set<std::string> captured_files() {
    std::set<std::string> out;
    walk("/", out, 0);
    return out;
  }
  void walk(const std::string& folder, std::set<std::string>& out, int depth) {
    if (depth > 6) return;
    CameraList* l = nullptr;
    gp_list_new(&l);
    if (gp_camera_folder_list_files(cam, folder.c_str(), l, ctx) >= GP_OK) {
      for (int i = 0; i < gp_list_count(l); ++i) {
        const char* n = nullptr;
        gp_list_get_name(l, i, &n);
        if (std::string(n) != "SEED.JPG") out.insert((folder == "/" ? "" : folder) + "/" + n);
      }
    }
    gp_list_reset(l);
    std::vector<std::string> subs;
    if (gp_camera_folder_list_folders(cam, folder.c_str(), l, ctx) >= GP_OK) {
      for (int i = 0; i < gp_list_count(l); ++i) {
        const char* n = nullptr;
        gp_list_get_name(l, i, &n);
        subs.push_back((folder == "/" ? "" : folder) + "/" + n);
      }
    }
    gp_list_free(l);
    for (const auto& s : subs) walk(s, out, depth + 1);
  }
};

class VCamera : public ::testing::Test {
 protected:
  void SetUp() override {
    spdlog::set_level(std::getenv("TB_LOG_DEBUG") ? spdlog::level::debug : spdlog::level::info);
    const char* iolibs = std::getenv("IOLIBS");
    ASSERT_TRUE(iolibs && fs::exists(fs::path(iolibs) / "vusb.so"))
        << "IOLIBS must name the vcamera iolibs folder (ctest sets it; see "
           "tests/unit/gphoto2/CMakeLists.txt)";
    tmp_ = env_or("TB_VCAM_TMP", (fs::temp_directory_path() / "tb-vcam-test").string());
    fs::remove_all(tmp_);
    fs::create_directories(tmp_);
    unplug_ = fs::path(env_or("VCAMERA_UNPLUG_FILE", (tmp_ / "unplug").string()));
    busy_ = fs::path(env_or("VCAMERA_BUSY_FILE", (tmp_ / "busy").string()));
    slow_ = fs::path(env_or("VCAMERA_SLOW_FILE", (tmp_ / "slow").string()));
    card_ = fs::path(env_or("VCAMERA_DIR", (tmp_ / "card").string()));
    setenv("VCAMERA_UNPLUG_FILE", unplug_.c_str(), 1);
    setenv("VCAMERA_BUSY_FILE", busy_.c_str(), 1);
    setenv("VCAMERA_SLOW_FILE", slow_.c_str(), 1);
    setenv("VCAMERA_DIR", card_.c_str(), 1);
    for (const auto& f : {unplug_, busy_, slow_}) fs::remove(f);

    // Per-test card: the seed plus a fixed-size trailer the test rewrites per request.
    fs::path seed = fs::path(env_or("TB_VCAMERA_SEED_DIR", "")) / "DCIM" / "SEED.JPG";
    ASSERT_TRUE(fs::exists(seed)) << "seed JPEG missing: " << seed;
    fs::remove_all(card_);
    fs::create_directories(card_ / "DCIM");
    seed_ = card_ / "DCIM" / "SEED.JPG";
    fs::copy_file(seed, seed_);
    {
      std::ofstream out(seed_, std::ios::app | std::ios::binary);
      out << marker_for(0);
    }
    seed_size_ = fs::file_size(seed_);
    cfg_.camera.backend = "gphoto2";
    cfg_.camera.format = "jpeg";
  }

  void TearDown() override {
    for (const auto& f : {unplug_, busy_, slow_}) fs::remove(f);
  }

  // Replaces the card image by the small JPEG (plus the trailer); call before open_camera().
  void use_small_card() {
    {
      std::ofstream out(seed_, std::ios::trunc | std::ios::binary);
      out.write(reinterpret_cast<const char*>(kSmallJpeg), sizeof kSmallJpeg);
      out << marker_for(0);
    }
    seed_size_ = fs::file_size(seed_);
  }

  void set_marker(uint64_t id) {
    std::fstream f(seed_, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(seed_size_ - kTrailer));
    f << marker_for(id);
  }

  static void touch(const fs::path& p, const std::string& content = "") {
    std::ofstream(p) << content;
  }

  std::unique_ptr<tb::hal::Camera> open_camera(gp::Options opts = {}) {
    auto cam = gp::make_camera(cfg_, std::move(opts));
    auto info = cam->open();
    EXPECT_TRUE(info.ok()) << info.error().message;
    if (!info.ok()) return nullptr;
    EXPECT_EQ(info->model, "Nikon DSC D750");
    EXPECT_EQ(info->backend, "gphoto2");
    EXPECT_FALSE(info->can_set_iso);
    return cam;
  }

  // A capture whose single file carries the request's marker.
  void expect_bound(const tb::Result<tb::hal::CaptureResult>& r, uint64_t id) {
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->request_id, id);
    ASSERT_EQ(r->files.size(), 1u);
    const auto& f = r->files[0];
    EXPECT_EQ(f.extension, "jpg");
    EXPECT_EQ(f.mime, "image/jpeg");
    ASSERT_EQ(f.data.size(), seed_size_);
    EXPECT_EQ(f.data[0], 0xFF);
    EXPECT_EQ(f.data[1], 0xD8);
    EXPECT_EQ(trailer_of(f.data), marker_for(id)) << "file " << f.camera_name;
  }

  fs::path tmp_, unplug_, busy_, slow_, card_, seed_;
  uintmax_t seed_size_ = 0;
  tb::config::Config cfg_;
};

TEST_F(VCamera, ExposureSetSnapsAndReadsBack) {
  auto cam = open_camera();
  ASSERT_TRUE(cam);
  tb::hal::ExposureSettings e;
  e.shutter_s = 1.0 / 125;  // not on the body: 0.0100s is 0.32 stop away
  e.aperture = 8.0;
  e.iso = 100;
  auto st = cam->set_exposure(e);
  ASSERT_TRUE(st.ok()) << st.error().message;
  auto r = cam->read_exposure();
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_DOUBLE_EQ(r->aperture, 8.0);
  EXPECT_DOUBLE_EQ(r->shutter_s, 0.01);
  EXPECT_EQ(r->iso, 0);  // the body has no ISO widget

  e.shutter_s = 1.0 / 1000;
  e.aperture = 5.6;
  ASSERT_TRUE(cam->set_exposure(e).ok());
  r = cam->read_exposure();
  ASSERT_TRUE(r.ok());
  EXPECT_DOUBLE_EQ(r->aperture, 5.6);
  EXPECT_DOUBLE_EQ(r->shutter_s, 0.0012);

  // Values the body cannot take: an error that names body, widget, value and the choices.
  auto wide = e;
  wide.aperture = 1.4;
  auto bad = cam->set_exposure(wide);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::invalid);
  for (const char* s : {"Nikon DSC D750", "'f-number'", "f/1.4", "f/2.8, f/3.5"}) {
    EXPECT_NE(bad.error().message.find(s), std::string::npos) << s << " in " << bad.error().message;
  }
  auto slow = e;
  slow.shutter_s = 1.0 / 30;
  bad = cam->set_exposure(slow);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("'shutterspeed'"), std::string::npos);

  // The refused values changed nothing; the capture reports the exposure set before, and
  // records that ISO could not be set.
  ASSERT_TRUE(cam->lock_automatics().ok());
  auto c = cam->capture(1);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_DOUBLE_EQ(c->reported.aperture, 5.6);
  EXPECT_DOUBLE_EQ(c->reported.shutter_s, 0.0012);
  EXPECT_TRUE(c->reported_valid);
  bool iso_note = false;
  for (const auto& n : c->notes) iso_note |= n.find("no ISO widget") != std::string::npos;
  EXPECT_TRUE(iso_note);
  // The virtual body copies a seed JPEG with no Exif (JFIF only, checked with exiftool): the
  // file cannot confirm the exposure here, so the widgets stay the only source for vcamera.
  EXPECT_FALSE(tb::capture::exposure_from_file(c->files[0].data).has_value());
  cam->close();

  // An independent session reads the body's settings.
  RawReader raw;
  EXPECT_EQ(raw.text("f-number"), "f/5.6");
  EXPECT_EQ(raw.text("shutterspeed"), "0.0012s");
  EXPECT_EQ(raw.text("capturetarget"), "Memory card");
  EXPECT_EQ(raw.text("autofocus"), "Off");
}

TEST_F(VCamera, SyncClockReturnsMeasuredOffset) {
  auto cam = open_camera();
  ASSERT_TRUE(cam);
  // vcamera ignores clock writes and runs on the host clock: asking for an hour ahead must
  // report what the body really has (about 0), not what was asked.
  auto r = cam->sync_clock(std::chrono::system_clock::now() + 1h);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_TRUE(r->has_value());
  EXPECT_LT(std::abs(**r), 600.0);  // the body's own time, far from the hour asked for
}

TEST_F(VCamera, FiftyCapturesBoundToTheirRequests) {
  use_small_card();  // binding is the point, not the link speed
  auto cam = open_camera();
  ASSERT_TRUE(cam);
  ASSERT_TRUE(cam->lock_automatics().ok());
  ASSERT_TRUE(cam->drain().ok());
  std::set<std::string> names, hashes;
  for (uint64_t id = 1001; id <= 1050; ++id) {
    set_marker(id);
    auto r = cam->capture(id);
    expect_bound(r, id);
    if (!r.ok()) return;
    names.insert(r->files[0].camera_name);
    hashes.insert(sha256_hex(r->files[0].data));
    EXPECT_GE(r->trigger_uncertainty_s, 0.0);
  }
  EXPECT_EQ(names.size(), 50u);
  EXPECT_EQ(hashes.size(), 50u);
  EXPECT_TRUE(names.count("DSC_0001.JPG"));
  EXPECT_TRUE(names.count("DSC_0050.JPG"));
  cam->close();
  RawReader raw;
  EXPECT_EQ(raw.captured_files().size(), 50u);
}

TEST_F(VCamera, CardFullIsNoSpace) {
  setenv("VCAMERA_MAX_CAPTURES", "3", 1);  // read by vusb.so at each capture
  auto cam = open_camera();
  ASSERT_TRUE(cam);
  for (uint64_t id = 1; id <= 3; ++id) {
    set_marker(id);
    expect_bound(cam->capture(id), id);
  }
  auto full = cam->capture(4);
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error().code, Errc::no_space);
  EXPECT_NE(full.error().message.find("camera card full"), std::string::npos)
      << full.error().message;
  // Still a clean answer, not a wedged session.
  auto again = cam->capture(4);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::no_space);
  cam->close();
  RawReader raw;
  EXPECT_EQ(raw.captured_files().size(), 3u);
}

TEST_F(VCamera, UnplugBetweenFramesThenReconnect) {
  CallLog log;
  gp::Options opts = log.options();
  opts.reappear_timeout = 300ms;
  auto cam = open_camera(opts);
  ASSERT_TRUE(cam);
  ASSERT_TRUE(cam->lock_automatics().ok());
  std::set<std::string> names;
  uint64_t id = 1;
  for (; id <= 3; ++id) {
    set_marker(id);
    auto r = cam->capture(id);
    expect_bound(r, id);
    if (r.ok()) names.insert(r->files[0].camera_name);
  }
  touch(unplug_);
  set_marker(id);
  auto cut = cam->capture(id);
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.error().code, Errc::disconnected) << cut.error().message;
  // Still unplugged: reconnect climbs its ladder once (look for the body, reset the port, look
  // again; no power-cycle hook here) and gives up with a clear error.
  const size_t mark = log.size();
  auto rc = cam->reconnect();
  ASSERT_FALSE(rc.ok());
  EXPECT_EQ(rc.error().code, Errc::disconnected);
  EXPECT_NE(rc.error().message.find("reconnect failed"), std::string::npos) << rc.error().message;
  const auto ladder = log.since(mark);
  const auto first_look = index_of(ladder, "detect");
  const auto reset = index_of(ladder, "gp_port_reset");
  ASSERT_GE(first_look, 0);
  ASSERT_GT(reset, first_look) << "the port is reset only after looking for the body";
  EXPECT_EQ(std::count(ladder.begin(), ladder.end(), "gp_port_reset"), 1);
  EXPECT_EQ(std::count(ladder.begin(), ladder.end(), "gp_camera_capture"), 0);
  // A dead session answers at once, without a word to the body.
  const size_t before_dead = log.size();
  auto dead = cam->capture(id);
  ASSERT_FALSE(dead.ok());
  EXPECT_EQ(dead.error().code, Errc::disconnected);
  EXPECT_EQ(log.size(), before_dead);

  fs::remove(unplug_);
  auto st = cam->reconnect();
  ASSERT_TRUE(st.ok()) << st.error().message;
  // The same request again, then two more: nothing doubled, nothing lost.
  for (; id <= 6; ++id) {
    set_marker(id);
    auto r = cam->capture(id);
    expect_bound(r, id);
    if (r.ok()) names.insert(r->files[0].camera_name);
  }
  EXPECT_EQ(names.size(), 6u);
  // Settings survive the reconnect (re-applied).
  auto e = cam->read_exposure();
  ASSERT_TRUE(e.ok());
  cam->close();
  RawReader raw;
  EXPECT_EQ(raw.captured_files().size(), 6u);
  EXPECT_EQ(raw.text("capturetarget"), "Memory card");
}

TEST_F(VCamera, UnplugDuringSlowDownloadCompletesRequestOnce) {
  CallLog log;
  auto cam = open_camera(log.options());
  ASSERT_TRUE(cam);
  ASSERT_TRUE(cam->lock_automatics().ok());
  set_marker(1);
  expect_bound(cam->capture(1), 1);

  touch(slow_, "20");
  set_marker(2);
  // The shot is on the card; the cable goes as the download starts.
  log.when("gp_camera_file_get", [&] { touch(unplug_); });
  auto cut = cam->capture(2);
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.error().code, Errc::disconnected) << cut.error().message;
  EXPECT_EQ(log.count("gp_camera_capture"), 2u);

  fs::remove(unplug_);
  fs::remove(slow_);
  auto st = cam->reconnect();
  ASSERT_TRUE(st.ok()) << st.error().message;
  auto done = cam->capture(2);  // the same request: delivered from the card, not shot again
  expect_bound(done, 2);
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->files[0].camera_name, "DSC_0002.JPG");
  bool recovered = false;
  for (const auto& n : done->notes)
    recovered |= n.find("completed from the card") != std::string::npos;
  EXPECT_TRUE(recovered);

  set_marker(3);
  auto next = cam->capture(3);
  expect_bound(next, 3);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->files[0].camera_name, "DSC_0003.JPG");
  cam->close();
  RawReader raw;
  EXPECT_EQ(raw.captured_files().size(), 3u);
}

// The unplug lands inside gp_camera_capture: whether the body had already stored the picture
// depends on the moment, and either way the request must end with exactly one file.
TEST_F(VCamera, UnplugDuringShotCompletesRequestOnce) {
  CallLog log;
  auto cam = open_camera(log.options());
  ASSERT_TRUE(cam);
  ASSERT_TRUE(cam->lock_automatics().ok());
  touch(slow_, "100");  // a capture costs 200..700 ms, the download ~3 s at this link speed
  set_marker(1);
  // The cable goes while the shot is in progress (or, on a slow machine, a little later, in
  // the download): either way the request is cut short and must end with exactly one file.
  std::thread pull;
  log.when("gp_camera_capture", [&] {
    pull = std::thread([&] {
      std::this_thread::sleep_for(
          std::chrono::milliseconds(std::atoi(env_or("TB_VCAM_UNPLUG_AFTER_MS", "350").c_str())));
      touch(unplug_);
    });
  });
  auto cut = cam->capture(1);
  if (pull.joinable()) pull.join();
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.error().code, Errc::disconnected) << cut.error().message;
  fs::remove(unplug_);
  fs::remove(slow_);
  auto st = cam->reconnect();
  ASSERT_TRUE(st.ok()) << st.error().message;
  auto done = cam->capture(1);
  expect_bound(done, 1);
  ASSERT_TRUE(done.ok());
  bool from_card = false;
  for (const auto& n : done->notes)
    from_card |= n.find("completed from the card") != std::string::npos;
  std::printf("unplug during the shot: %s\n",
              from_card ? "picture was on the card, delivered after reconnect"
                        : "no picture stored, shot again");
  set_marker(2);
  auto next = cam->capture(2);
  expect_bound(next, 2);
  ASSERT_TRUE(next.ok());
  EXPECT_NE(next->files[0].camera_name, done->files[0].camera_name);
  cam->close();
  RawReader raw;
  EXPECT_EQ(raw.captured_files().size(), 2u);  // no orphan left on the card, nothing doubled
}

TEST_F(VCamera, PowerCycleHookRevivesCamera) {
  int cycles = 0;
  gp::Options opts;
  opts.reappear_timeout = 300ms;
  opts.power_cycle_boot_timeout = 120s;  // a hang guard: it returns once the body answers
  opts.power_cycle = [&]() -> tb::Status {
    ++cycles;  // the relay: the body comes back once power returns
    fs::remove(unplug_);
    return tb::ok_status();
  };
  auto cam = open_camera(opts);
  ASSERT_TRUE(cam);
  set_marker(1);
  expect_bound(cam->capture(1), 1);
  touch(unplug_);
  auto cut = cam->capture(2);
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.error().code, Errc::disconnected);
  auto st = cam->reconnect();
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(cycles, 1);
  set_marker(2);
  auto r = cam->capture(2);
  expect_bound(r, 2);
  ASSERT_TRUE(r.ok());
  // The ladder in order: the USB reset rung was tried (and failed: the body was gone), then power.
  int reset_at = -1, power_at = -1;
  for (size_t i = 0; i < r->notes.size(); ++i) {
    if (r->notes[i].find("USB port reset") != std::string::npos) reset_at = static_cast<int>(i);
    if (r->notes[i].find("power-cycled") != std::string::npos) power_at = static_cast<int>(i);
  }
  EXPECT_GE(reset_at, 0);
  EXPECT_GT(power_at, reset_at);
}

TEST_F(VCamera, SelectsBySerialAndModel) {
  cfg_.camera.select.serial = "0.1";  // vcamera's serial number
  cfg_.camera.select.model = "Nikon DSC D750";
  auto cam = open_camera();
  ASSERT_TRUE(cam);
  cam->close();
  cam.reset();
  cfg_.camera.select.serial = "9999";
  auto other = gp::make_camera(cfg_);
  auto r = other->open();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::not_found);
  EXPECT_NE(r.error().message.find("9999"), std::string::npos);
  cfg_.camera.select = {"Canon EOS R5", "", ""};
  auto none = gp::make_camera(cfg_)->open();
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, Errc::not_found);
  EXPECT_NE(none.error().message.find("Nikon DSC D750"), std::string::npos);  // lists what is there
}

TEST_F(VCamera, DeleteFromCardAfterDownload) {
  cfg_.camera.delete_from_card = true;
  auto cam = open_camera();
  ASSERT_TRUE(cam);
  ASSERT_TRUE(cam->lock_automatics().ok());
  std::set<std::string> names;
  for (uint64_t id = 1; id <= 3; ++id) {
    set_marker(id);
    auto r = cam->capture(id);
    expect_bound(r, id);
    if (r.ok()) names.insert(r->files[0].camera_name);
  }
  EXPECT_EQ(names.size(), 3u);
  cam->close();
  RawReader raw;
  EXPECT_TRUE(raw.captured_files().empty());
}

// A body that stays busy: every capture() answers Errc::busy after a bounded number of
// libgphoto2 calls (one short retry), so the runner's retry policy is the only one.
TEST_F(VCamera, BusyIsRetriedThenReported) {
  CallLog log;
  gp::Options opts = log.options();
  opts.busy_budget = 800ms;
  auto cam = open_camera(opts);
  ASSERT_TRUE(cam);
  tb::hal::ExposureSettings e;
  e.aperture = 8;
  e.shutter_s = 0.01;
  ASSERT_TRUE(cam->set_exposure(e).ok());

  touch(busy_);
  for (uint64_t attempt = 0; attempt < 5; ++attempt) {
    const size_t mark = log.size();
    auto r = cam->capture(1);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::busy) << r.error().message;
    const auto calls = log.since(mark);
    EXPECT_EQ(std::count(calls.begin(), calls.end(), "gp_camera_capture"), opts.busy_attempts)
        << "tried, retried once, reported";
    EXPECT_LE(calls.size(), static_cast<size_t>(opts.busy_attempts) + 2);
  }
  // A property write while busy is refused as busy too, and nothing changed.
  auto e2 = e;
  e2.aperture = 11;
  auto s = cam->set_exposure(e2);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::busy) << s.error().message;
  EXPECT_DOUBLE_EQ(cam->read_exposure()->aperture, 8.0);

  fs::remove(busy_);
  set_marker(1);
  auto ok = cam->capture(1);
  expect_bound(ok, 1);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->files[0].camera_name, "DSC_0001.JPG");  // busy shot nothing
  ASSERT_TRUE(cam->set_exposure(e2).ok());
  EXPECT_DOUBLE_EQ(cam->read_exposure()->aperture, 11.0);
}

TEST_F(VCamera, SecondThreadIsRefusedWhileCaptureInFlight) {
  CallLog log;
  // The owner's capture stops just before its download until the other thread has been
  // refused: "in flight" is a fact here, not a guess made with a timer.
  std::mutex mu;
  std::condition_variable cv;
  bool in_download = false, refused = false;
  log.when("gp_camera_file_get", [&] {
    std::unique_lock lock(mu);
    in_download = true;
    cv.notify_all();
    cv.wait(lock, [&] { return refused; });
  });
  auto cam = open_camera(log.options());
  ASSERT_TRUE(cam);
  set_marker(1);
  tb::Result<tb::hal::CaptureResult> first = tb::make_error(Errc::internal, "not run");
  std::thread owner([&] { first = cam->capture(1); });
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return in_download; });
  }
  const size_t mark = log.size();
  auto second = cam->capture(2);
  auto other = cam->read_exposure();
  const size_t calls_by_refused = log.size() - mark;
  {
    std::lock_guard lock(mu);
    refused = true;
  }
  cv.notify_all();
  owner.join();
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, Errc::busy);
  EXPECT_NE(second.error().message.find("request 1 in flight"), std::string::npos)
      << second.error().message;
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, Errc::busy);
  EXPECT_EQ(calls_by_refused, 0u) << "refused without touching the body";
  expect_bound(first, 1);

  set_marker(2);
  auto r2 = cam->capture(2);
  expect_bound(r2, 2);
  cam->close();
  RawReader raw;
  EXPECT_EQ(raw.captured_files().size(), 2u);
}

}  // namespace

// A single-file body (the virtual D750 has no image-format widget: the first frame's events
// teach the backend that a shot makes one file): every later frame ends as soon as its file is
// downloaded, reading only the events the driver already queued, with no timed event wait.
// Counted in libgphoto2 calls, not in milliseconds.
TEST_F(VCamera, SingleFileFramesEndWithoutAnEventWait) {
  use_small_card();
  CallLog log;
  gp::Options opts = log.options();
  // Long enough that a timed wait per frame could not hide in the noise of a busy machine
  // (ptp2 waits 2 x 1 s when idle); the check itself is the call count below.
  opts.event_wait = 1s;
  auto cam = open_camera(opts);
  ASSERT_TRUE(cam);
  ASSERT_TRUE(cam->lock_automatics().ok());
  std::set<std::string> names;
  for (uint64_t id = 1; id <= 12; ++id) {
    set_marker(id);
    const size_t mark = log.size();
    auto r = cam->capture(id);
    expect_bound(r, id);
    if (!r.ok()) return;
    names.insert(r->files[0].camera_name);
    const auto calls = log.since(mark);
    const auto waits = std::count(calls.begin(), calls.end(), "gp_camera_wait_for_event");
    if (id == 1) {
      EXPECT_GE(waits, 1) << "the first frame learns how many files a shot makes";
    } else {
      EXPECT_EQ(waits, 0) << "frame " << id << " waited for events after its file was in";
      EXPECT_GE(std::count(calls.begin(), calls.end(), "gp_camera_wait_for_event(queued)"), 1);
    }
    EXPECT_EQ(std::count(calls.begin(), calls.end(), "gp_camera_file_get"), 1);
  }
  EXPECT_EQ(names.size(), 12u);
}

// libgphoto2 2.5.30 hexdumps every buffer a port read returns whether or not anyone listens
// (~40 % of a download's CPU); the backend's gp_log_data takes the library's place. Seen from a
// libgphoto2 log function at GP_LOG_DATA, the real driver stack (libgphoto2_port, ptp2, vusb):
// a capture and a 12 MB download bring no hexdump, while messages at that level still arrive.
TEST_F(VCamera, DownloadsAreNotHexdumpedByLibgphoto2) {
  struct Seen {
    int data_messages = 0;
    int hexdumps = 0;
  } seen;
  const int id = gp_log_add_func(
      GP_LOG_DATA,
      [](GPLogLevel level, const char*, const char* str, void* self) {
        auto* s = static_cast<Seen*>(self);
        if (level != GP_LOG_DATA) return;
        ++s->data_messages;
        if (str && std::string_view(str).find("hexdump") != std::string_view::npos) ++s->hexdumps;
      },
      &seen);
  ASSERT_GT(id, 0);
  auto cam = open_camera();
  ASSERT_TRUE(cam);
  ASSERT_TRUE(cam->lock_automatics().ok());
  set_marker(7);
  auto r = cam->capture(7);
  expect_bound(r, 7);
  cam->close();
  gp_log_remove_func(id);
  EXPECT_EQ(seen.hexdumps, 0) << "libgphoto2 formatted hexdumps of the transfers";
  EXPECT_GT(seen.data_messages, 0) << "the log function saw nothing at all: the check is blind";
}

// A body that promises RAW+JPEG but sends one file per shot (here: told so through
// Options::files_per_shot; the virtual body cannot write pairs): each frame waits for the
// second file until the timeout, then is delivered with the file that did arrive, bound to its
// request, and a fault saying which file is missing. Nothing is lost, nothing bound twice.
TEST_F(VCamera, PromisedPairWithoutSecondFileIsAFaultNotALostFile) {
  use_small_card();
  CallLog log;
  gp::Options opts = log.options();
  opts.files_per_shot = 2;
  opts.companion_timeout = 300ms;
  opts.companion_list_every = 100ms;
  auto cam = open_camera(opts);
  ASSERT_TRUE(cam);
  ASSERT_TRUE(cam->lock_automatics().ok());
  std::set<std::string> names;
  for (uint64_t id = 7; id <= 9; ++id) {
    set_marker(id);
    auto r = cam->capture(id);
    expect_bound(r, id);
    if (!r.ok()) return;
    names.insert(r->files[0].camera_name);
    const auto incomplete = std::count_if(r->notes.begin(), r->notes.end(), [&](const auto& n) {
      return n.find("/DCIM/100GPHOT/" + r->files[0].camera_name + " incomplete") !=
                 std::string::npos &&
             n.find("2 files per shot but only 1") != std::string::npos;
    });
    EXPECT_EQ(incomplete, 1) << "notes: " << (r->notes.empty() ? "" : r->notes.back());
  }
  EXPECT_EQ(names.size(), 3u);
  EXPECT_GE(log.count("gp_camera_wait_for_event"), 3u);  // it did wait for the second file
}
