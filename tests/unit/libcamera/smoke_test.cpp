// Starts the real libcamera CameraManager. This machine has no camera module, so open() must
// fail cleanly with not_found and a message that tells the user what to check.
#include <gtest/gtest.h>

#include "tetherbox/hal/libcamera/libcamera_camera.hpp"

namespace tb::hal::libcamera_backend {
namespace {

TEST(LibcameraSmoke, NoCameraIsNotFoundWithAClearMessage) {
  config::Config cfg;
  cfg.camera.backend = "libcamera";
  auto cam = make_camera(cfg);
  ASSERT_NE(cam, nullptr);
  auto info = cam->open();
  ASSERT_FALSE(info.ok()) << "a camera was found on a machine that should have none";
  EXPECT_EQ(info.error().code, Errc::not_found) << info.error().message;
  EXPECT_NE(info.error().message.find("found no cameras"), std::string::npos)
      << info.error().message;
  EXPECT_NE(info.error().message.find("rpicam-hello --list-cameras"), std::string::npos);
  // Calls on an unopened camera are errors, not crashes.
  auto cap = cam->capture(1);
  ASSERT_FALSE(cap.ok());
  EXPECT_EQ(cap.error().code, Errc::disconnected);
  EXPECT_FALSE(cam->set_exposure(ExposureSettings{}).ok());
  cam->close();
  cam->close();  // idempotent
}

TEST(LibcameraSmoke, OpenTwiceInOneProcess) {
  // CameraManager is a process singleton in libcamera: a second open after a failed one must
  // also start and stop it cleanly.
  config::Config cfg;
  for (int i = 0; i < 2; ++i) {
    auto cam = make_camera(cfg);
    auto info = cam->open();
    ASSERT_FALSE(info.ok());
    EXPECT_EQ(info.error().code, Errc::not_found);
  }
}

}  // namespace
}  // namespace tb::hal::libcamera_backend
