// Light outputs (active-high/low, only changed lines written, off before on), the camera
// power relay, and the config factories, on the fake line source.
#include <gtest/gtest.h>

#include "fake_line_source.hpp"
#include "tetherbox/hal/gpiod/gpiod_devices.hpp"

namespace tb::hal::gpiod_backend {
namespace {

using namespace testing;
using Key = FakeLineSource::Key;

struct LightRig {
  std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>();
  std::shared_ptr<FakeLineSource> src = FakeLineSource::pi5(clock);
  std::unique_ptr<Lights> lights;
  void open() {
    auto l = open_lights({{"key", {"pinctrl-rp1", 5, {}}, false},
                          {"fill", {"pinctrl-rp1", 6, {}}, true},
                          {"back", {"pinctrl-rp1", -1, "GPIO13"}, false}},
                         src);
    ASSERT_TRUE(l.ok()) << l.error().message;
    lights = std::move(*l);
  }
  bool level(unsigned off) { return src->levels.at(Key{"/dev/gpiochip4", off}); }
};

TEST(GpiodLights, StartAllOffHonouringActiveLow) {
  LightRig r;
  r.open();
  EXPECT_FALSE(r.level(5));
  EXPECT_TRUE(r.level(6));  // active-low: off is high
  EXPECT_FALSE(r.level(13));
  EXPECT_TRUE(r.lights->current().empty());
  EXPECT_EQ(r.lights->names(), (std::vector<std::string>{"key", "fill", "back"}));
}

TEST(GpiodLights, PresetChangesWriteOnlyTheLinesThatChangeOffFirst) {
  LightRig r;
  r.open();
  ASSERT_TRUE(r.lights->set_on({"key", "fill"}).ok());
  EXPECT_TRUE(r.level(5));
  EXPECT_FALSE(r.level(6));  // active-low: on is low
  EXPECT_EQ(r.src->writes.size(), 2u);
  r.src->writes.clear();
  ASSERT_TRUE(r.lights->set_on({"fill", "back"}).ok());
  ASSERT_EQ(r.src->writes.size(), 2u);  // fill stays on and is not touched
  EXPECT_EQ(std::get<0>(r.src->writes[0]), (Key{"/dev/gpiochip4", 5}));  // key off first
  EXPECT_FALSE(std::get<1>(r.src->writes[0]));
  EXPECT_EQ(std::get<0>(r.src->writes[1]), (Key{"/dev/gpiochip4", 13}));
  EXPECT_EQ(r.lights->current(), (std::set<std::string>{"fill", "back"}));
  r.src->writes.clear();
  ASSERT_TRUE(r.lights->set_on({"fill", "back"}).ok());
  EXPECT_TRUE(r.src->writes.empty());
  ASSERT_TRUE(r.lights->set_on({}).ok());
  EXPECT_TRUE(r.level(6));
  EXPECT_TRUE(r.lights->current().empty());
}

TEST(GpiodLights, UnknownLightIsRefusedBeforeAnythingIsSwitched) {
  LightRig r;
  r.open();
  auto st = r.lights->set_on({"key", "rim"});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Errc::invalid);
  EXPECT_NE(st.error().message.find("'rim'"), std::string::npos);
  EXPECT_TRUE(r.src->writes.empty());
}

TEST(GpiodLights, FailedWriteNamesTheLightAndCurrentTellsTheTruth) {
  LightRig r;
  r.open();
  r.src->fail_writes_to("gpiochip4", 13);
  auto st = r.lights->set_on({"key", "back"});
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("light 'back' on line 13 (GPIO13) of gpiochip4"),
            std::string::npos)
      << st.error().message;
  EXPECT_EQ(r.lights->current(), (std::set<std::string>{"key"}));
}

TEST(GpiodLights, BusyOrMissingLinesAreRefusedAtOpen) {
  auto clock = std::make_shared<ManualClock>();
  auto src = FakeLineSource::pi5(clock);
  src->set_busy("gpiochip4", 6, "lirc");
  auto l = open_lights({{"fill", {"pinctrl-rp1", 6, {}}, false}}, src);
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.error().code, Errc::busy);
  EXPECT_NE(l.error().message.find("'lirc'"), std::string::npos);
  auto m = open_lights({{"fill", {"nosuchchip", 6, {}}, false}}, src);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message.find("light 'fill': GPIO chip 'nosuchchip' not found"),
            std::string::npos)
      << m.error().message;
}

TEST(GpiodPowerRelay, CyclesOffForTheConfiguredTimeThenOnAgain) {
  for (bool active_low : {false, true}) {
    auto clock = std::make_shared<ManualClock>();
    auto src = FakeLineSource::pi5(clock);
    PowerRelaySpec spec{{"pinctrl-rp1", 26, {}}, std::chrono::milliseconds(1500), active_low};
    auto fn = make_power_cycle(spec, src, clock);
    ASSERT_TRUE(fn.ok()) << fn.error().message;
    const Key line{"/dev/gpiochip4", 26};
    const bool powered = !active_low;
    EXPECT_EQ(src->levels.at(line), powered);  // the camera stays powered from the start
    ASSERT_TRUE((*fn)().ok());
    ASSERT_EQ(src->writes.size(), 2u);
    EXPECT_EQ(std::get<1>(src->writes[0]), !powered);
    EXPECT_EQ(std::get<1>(src->writes[1]), powered);
    EXPECT_EQ(std::get<2>(src->writes[1]) - std::get<2>(src->writes[0]), 1500ms);
    EXPECT_EQ(src->levels.at(line), powered);
  }
}

TEST(GpiodPowerRelay, FailuresSayWhatStateTheCameraIsIn) {
  auto clock = std::make_shared<ManualClock>();
  auto src = FakeLineSource::pi5(clock);
  auto fn = make_power_cycle({{"pinctrl-rp1", 26, {}}, 1000ms, false}, src, clock);
  ASSERT_TRUE(fn.ok());
  src->fail_writes_to("gpiochip4", 26);
  auto st = (*fn)();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("camera power relay on line 26 (GPIO26) of gpiochip4"),
            std::string::npos)
      << st.error().message;
  EXPECT_NE(st.error().message.find("switching off failed"), std::string::npos);

  auto bad = make_power_cycle({{"pinctrl-rp1", 26, {}}, 0ms, false}, src, clock);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("off time"), std::string::npos);
  src->set_busy("gpiochip4", 19, "other");
  auto busy = make_power_cycle({{"pinctrl-rp1", 19, {}}, 1000ms, false}, src, clock);
  ASSERT_FALSE(busy.ok());
  EXPECT_EQ(busy.error().code, Errc::busy);
}

TEST(GpiodFactories, BuildFromTheExistingConfigKeys) {
  auto clock = std::make_shared<ManualClock>();
  auto src = FakeLineSource::pi5(clock);
  config::Config cfg;
  cfg.buttons.backend = "gpiod";
  cfg.buttons.buttons.push_back({"shutter", "trigger", "pinctrl-rp1", 17, true, 30});
  cfg.buttons.buttons.push_back({"stop", "abort", "gpiochip4", 27, false, 50});
  src->set_level("gpiochip4", 27, false);
  cfg.lighting.backend = "gpiod";
  config::Light key;
  key.name = "key";
  key.chip = "pinctrl-rp1";
  key.line = 5;
  key.active_low = true;
  cfg.lighting.lights.push_back(key);

  auto buttons = make_buttons(cfg, clock, src);
  ASSERT_TRUE(buttons.ok()) << buttons.error().message;
  src->edge("gpiochip4", 27, true, at(100ms));   // active-high "stop"
  src->edge("gpiochip4", 27, false, at(140ms));  // 40 ms < its 50 ms debounce: a spike
  src->press_low("gpiochip4", 17, 200ms, 400ms);
  auto ev = (*buttons)->wait_press(1s);
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->name, "shutter");
  EXPECT_EQ(ev->action, "trigger");

  auto lights = make_lights(cfg, src);
  ASSERT_TRUE(lights.ok()) << lights.error().message;
  EXPECT_TRUE(src->levels.at(Key{"/dev/gpiochip4", 5}));  // active-low off

  cfg.buttons.buttons.clear();
  auto none = make_buttons(cfg, clock, src);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message.find("buttons.buttons is empty"), std::string::npos);
}

}  // namespace
}  // namespace tb::hal::gpiod_backend
