// buttons.backend / lighting.backend gpiod through the registry: make_devices reaches the real
// libgpiod backend (here, a machine without GPIO chips: its clear error, not "not built").
#include <gtest/gtest.h>

#include <filesystem>

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
            std::string::npos) << d.error().message;

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
            std::string::npos) << l.error().message;
}

}  // namespace
}  // namespace tb
