// gphoto2 result codes → Errc (with the context texts ptp2 reports), and the choice among
// several attached cameras.
#include <gphoto2/gphoto2-port-result.h>
#include <gphoto2/gphoto2-result.h>
#include <gtest/gtest.h>

#include "tetherbox/config/load.hpp"
#include "tetherbox/hal/gphoto2/gp_errors.hpp"
#include "tetherbox/hal/gphoto2/gphoto2_camera.hpp"

namespace gp = tb::hal::gphoto2_backend;
using tb::Errc;

TEST(Gphoto2Errors, MapsCodesAndContextTexts) {
  EXPECT_EQ(gp::errc_for_gp(GP_ERROR_CAMERA_BUSY, {}, true), Errc::busy);
  EXPECT_EQ(gp::errc_for_gp(GP_ERROR_IO_USB_FIND, {}, true), Errc::disconnected);
  EXPECT_EQ(gp::errc_for_gp(GP_ERROR_IO, {"PTP I/O Error"}, false), Errc::io);
  EXPECT_EQ(gp::errc_for_gp(GP_ERROR_NO_MEMORY, {}, true), Errc::no_space);
  EXPECT_EQ(gp::errc_for_gp(GP_ERROR_NO_MEMORY, {}, false), Errc::internal);
  EXPECT_EQ(gp::errc_for_gp(GP_ERROR_IO_USB_CLAIM, {}, false), Errc::busy);
  // ptp2 reports busy and vanished bodies as "bad parameters" on config calls
  EXPECT_EQ(gp::errc_for_gp(GP_ERROR_BAD_PARAMETERS, {}, false), Errc::invalid);
  EXPECT_EQ(gp::errc_for_gp(GP_ERROR_BAD_PARAMETERS,
                            {"The property 'F-Number' / 0x5007 was not set (0x2019: PTP Device "
                             "Busy)",
                             "Property 'f-number' not found."},
                            false),
            Errc::busy);
  EXPECT_EQ(gp::errc_for_gp(GP_ERROR_IO, {"PTP No Device"}, false), Errc::disconnected);
}

TEST(Gphoto2Errors, MessageNamesCameraCallCodeAndCameraText) {
  auto e = gp::gp_error(GP_ERROR_NO_MEMORY, "Nikon DSC D750", "capture of request 4",
                        {"Camera memorycard ran full during capture."}, true);
  EXPECT_EQ(e.code, Errc::no_space);
  EXPECT_NE(e.message.find("Nikon DSC D750"), std::string::npos);
  EXPECT_NE(e.message.find("capture of request 4"), std::string::npos);
  EXPECT_NE(e.message.find("(-3)"), std::string::npos);
  EXPECT_NE(e.message.find("memorycard ran full"), std::string::npos);
  EXPECT_NE(e.message.find("camera card full"), std::string::npos);
  auto claim = gp::gp_error(GP_ERROR_IO_USB_CLAIM, "EOS", "open", {});
  EXPECT_NE(claim.message.find("gvfs"), std::string::npos);
}

TEST(Gphoto2Selection, NoneOneSeveral) {
  tb::config::CameraSelect any;
  auto none = gp::choose_camera({}, any);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, Errc::not_found);
  EXPECT_NE(none.error().message.find("no camera found on USB"), std::string::npos);

  std::vector<gp::DetectedCamera> two{{"Canon EOS R5", "usb:001,004", ""},
                                      {"Nikon DSC D750", "usb:001,007", ""}};
  auto amb = gp::choose_camera(two, any);
  ASSERT_FALSE(amb.ok());
  EXPECT_EQ(amb.error().code, Errc::invalid);
  EXPECT_NE(amb.error().message.find("Canon EOS R5"), std::string::npos);
  EXPECT_NE(amb.error().message.find("usb:001,007"), std::string::npos);

  tb::config::CameraSelect nikon{"Nikon DSC D750", "", ""};
  EXPECT_EQ(gp::choose_camera(two, nikon)->port, "usb:001,007");
  tb::config::CameraSelect by_port{"", "", "usb:001,004"};
  EXPECT_EQ(gp::choose_camera(two, by_port)->model, "Canon EOS R5");
  tb::config::CameraSelect missing{"Sony ILCE-7M3", "", ""};
  auto m = gp::choose_camera(two, missing);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code, Errc::not_found);
  EXPECT_NE(m.error().message.find("Sony ILCE-7M3"), std::string::npos);
  EXPECT_EQ(gp::choose_camera({two[1]}, any)->model, "Nikon DSC D750");
}

TEST(Gphoto2ExampleConfig, UsbCameraExampleLoadsWithGphoto2Camera) {
  auto cfg = tb::config::load_file(TB_SOURCE_DIR "/config/examples/usb-camera.yaml");
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  EXPECT_EQ(cfg->camera.backend, "gphoto2");
  EXPECT_TRUE(cfg->camera.select.model.empty());  // first camera found
  EXPECT_EQ(cfg->camera.capture_target, "card");
  EXPECT_EQ(cfg->turntable.backend, "sim");
  EXPECT_EQ(cfg->lighting.backend, "sim");
  EXPECT_EQ(cfg->gps.backend, "sim");
  EXPECT_EQ(cfg->ambient.backend, "sim");
  EXPECT_NEAR(cfg->camera.exposure.shutter_s, 1.0 / 125, 1e-12);
}
