// The real libgpiod adapter on this machine. CI has no GPIO chips (and no gpio-sim), so this
// proves the library calls, the /dev scan and the errors a box without the configured chip
// gets; board/rpi5/on-device-check.sh does the rest on a Pi.
#include <gtest/gtest.h>

#include <filesystem>

#include "tetherbox/hal/gpiod/gpiod_devices.hpp"

namespace tb::hal::gpiod_backend {
namespace {

bool has_gpio_chips() {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/dev", ec))
    if (e.path().filename().string().rfind("gpiochip", 0) == 0) return true;
  return false;
}

TEST(Libgpiod, ReportsItsVersion) {
  const std::string v = libgpiod_version();
  EXPECT_TRUE(v.rfind("1.6", 0) == 0 || v.rfind("2.", 0) == 0) << v;
}

TEST(Libgpiod, ListsTheChipsThereAre) {
  auto src = make_libgpiod_source();
  auto chips = src->list_chips();
  ASSERT_TRUE(chips.ok()) << chips.error().message;
  if (!has_gpio_chips()) {
    EXPECT_TRUE(chips->empty());
  }
  for (const auto& c : *chips) EXPECT_EQ(c.path.rfind("/dev/gpiochip", 0), 0u);
}

TEST(Libgpiod, AFileThatIsNotAGpioChipIsRefusedByName) {
  auto src = make_libgpiod_source();
  for (const std::string path : {"/dev/null", "/nonexistent/gpiochip9"}) {
    auto r = resolve_line(LineSpec{path, 3, {}}, *src);
    ASSERT_FALSE(r.ok()) << path;
    EXPECT_NE(r.error().message.find("GPIO chip '" + path + "'"), std::string::npos)
        << r.error().message;
    EXPECT_NE(r.error().message.find("gpiodetect"), std::string::npos);
  }
}

TEST(Libgpiod, ConfigNamingAPi5ChipOnABoxWithoutItFailsClearly) {
  if (has_gpio_chips()) GTEST_SKIP() << "this machine has GPIO chips";
  config::Config cfg;
  cfg.buttons.buttons.push_back({"shutter", "trigger", "pinctrl-rp1", 17, true, 30});
  auto b = make_buttons(cfg, std::make_shared<SystemClock>());
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().code, Errc::not_found);
  EXPECT_NE(b.error().message.find("button 'shutter': GPIO chip 'pinctrl-rp1' not found"),
            std::string::npos)
      << b.error().message;
  EXPECT_NE(b.error().message.find("no GPIO chips at all"), std::string::npos);

  config::Light l;
  l.name = "key";
  l.chip = "pinctrl-bcm2711";
  l.line = 5;
  cfg.lighting.lights.push_back(l);
  auto lights = make_lights(cfg);
  ASSERT_FALSE(lights.ok());
  EXPECT_NE(lights.error().message.find("light 'key'"), std::string::npos);

  auto relay = make_power_cycle(
      PowerRelaySpec{{"/dev/gpiochip0", 26, {}}, std::chrono::milliseconds(500), false},
      std::make_shared<SystemClock>());
  ASSERT_FALSE(relay.ok());
  EXPECT_NE(relay.error().message.find("camera power relay"), std::string::npos);
}

}  // namespace
}  // namespace tb::hal::gpiod_backend
