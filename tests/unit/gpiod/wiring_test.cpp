// buttons.backend / lighting.backend gpiod through the registry: make_devices reaches the real
// libgpiod backend (here, a machine without GPIO chips: its clear error, not "not built").
#include <gtest/gtest.h>

#include <filesystem>

#include "tetherbox/config/load.hpp"
#include "tetherbox/firmware/backends.hpp"
#include "tetherbox/firmware/wiring.hpp"

namespace tb {
namespace {

bool has_gpio_chips() {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/dev", ec))
    if (e.path().filename().string().rfind("gpiochip", 0) == 0) return true;
  return false;
}

TEST(GpiodWiring, ConfigChoosingGpiodReachesTheBackend) {
  if (has_gpio_chips()) GTEST_SKIP() << "this machine has GPIO chips";
  config::Config cfg;
  cfg.buttons.backend = "gpiod";
  cfg.buttons.buttons.push_back({"shutter", "trigger", "pinctrl-rp1", 17, true, 30});
  auto d = firmware::make_devices(cfg);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().message.find("button 'shutter': GPIO chip 'pinctrl-rp1' not found"),
            std::string::npos)
      << d.error().message;

  cfg.buttons.backend = "none";
  cfg.lighting.backend = "gpiod";
  config::Light key;
  key.name = "key";
  key.chip = "pinctrl-bcm2711";
  key.line = 5;
  cfg.lighting.lights = {key};
  auto l = firmware::make_devices(cfg);
  ASSERT_FALSE(l.ok());
  EXPECT_NE(l.error().message.find("light 'key': GPIO chip 'pinctrl-bcm2711' not found"),
            std::string::npos)
      << l.error().message;
}

TEST(GpiodWiring, CameraPowerRelayIsReadValidatedAndWiredIntoTheGphoto2Hook) {
  auto cfg = config::load_string(
      "camera:\n  backend: gphoto2\n  power_relay: {chip: pinctrl-rp1, line: 26, off_ms: 1500, "
      "active_low: true}\n",
      "relay.yaml");
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  EXPECT_EQ(cfg->camera.power_relay.chip, "pinctrl-rp1");
  EXPECT_EQ(cfg->camera.power_relay.line, 26);
  EXPECT_EQ(cfg->camera.power_relay.off_ms, 1500);
  EXPECT_TRUE(cfg->camera.power_relay.active_low);

  auto bad =
      config::load_string("camera:\n  power_relay: {chip: pinctrl-rp1, off_ms: 5}\n", "relay.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("camera.power_relay.line"), std::string::npos)
      << bad.error().message;
  EXPECT_NE(bad.error().message.find("camera.power_relay.off_ms"), std::string::npos)
      << bad.error().message;

  if (has_gpio_chips()) GTEST_SKIP() << "this machine has GPIO chips";
  const auto* gphoto2 = config::find_backend(firmware::backend_table(), "camera", "gphoto2");
  if (!gphoto2 || !gphoto2->built) GTEST_SKIP() << "gphoto2 backend not built";
  // The relay is opened before the camera: a box without the configured chip says so.
  auto d = firmware::make_devices(*cfg);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().message.find("camera power relay: GPIO chip 'pinctrl-rp1' not found"),
            std::string::npos)
      << d.error().message;
}

}  // namespace
}  // namespace tb
