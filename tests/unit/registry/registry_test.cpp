// The registry is the one answer to "can this build make it, and what can it do": config,
// preflight and wiring must agree with it and with the devices it makes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "tetherbox/capture/preflight.hpp"
#include "tetherbox/config/load.hpp"
#include "tetherbox/firmware/backends.hpp"
#include "tetherbox/firmware/wiring.hpp"

namespace tb::firmware {
namespace {

using ::testing::HasSubstr;

config::Config all_sim() {
  config::Config cfg;
  cfg.board = "sim";
  cfg.camera.backend = "sim";
  cfg.camera.sim.width = 64;
  cfg.camera.sim.height = 48;
  cfg.turntable.backend = "sim";
  cfg.lighting.backend = "sim";
  cfg.buttons.backend = "sim";
  cfg.gps.backend = "sim";
  cfg.ambient.backend = "sim";
  return cfg;
}

config::Config choose(config::Config cfg, const std::string& kind, const std::string& name) {
  if (kind == "board") cfg.board = name;
  if (kind == "camera") cfg.camera.backend = name;
  if (kind == "turntable") cfg.turntable.backend = name;
  if (kind == "lighting") cfg.lighting.backend = name;
  if (kind == "buttons") cfg.buttons.backend = name;
  if (kind == "gps") cfg.gps.backend = name;
  if (kind == "ambient") cfg.ambient.backend = name;
  return cfg;
}

TEST(Registry, RowsAreWellFormed) {
  const auto& kinds = config::backend_kinds();
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& row : backend_table()) {
    EXPECT_NE(std::find(kinds.begin(), kinds.end(), row.kind), kinds.end()) << row.kind;
    EXPECT_TRUE(seen.insert({row.kind, row.name}).second) << row.kind << " " << row.name;
    if (!row.built) {
      EXPECT_FALSE(row.why_not.empty()) << row.kind << " " << row.name;
    }
  }
  // The sim board has every device, always.
  for (const auto& kind : kinds) {
    const auto* sim = config::find_backend(backend_table(), kind, "sim");
    ASSERT_NE(sim, nullptr) << kind;
    EXPECT_TRUE(sim->built);
    EXPECT_TRUE(sim->simulated);
  }
}

// Every name the config accepts for a kind is a row of the registry, and the other way
// round: config can no longer accept a backend the registry does not know.
TEST(Registry, ConfigNamesAndRegistryRowsAgree) {
  const std::vector<std::string> names = {"sim", "gphoto2", "libcamera", "gpiod", "gpsd",
                                          "iio", "none",    "rpi4",      "rpi5",  "serial"};
  for (const auto& kind : config::backend_kinds()) {
    for (const auto& name : names) {
      const auto cfg = choose(all_sim(), kind, name);
      const auto st = config::validate(cfg);
      const bool config_accepts =
          st.ok() || st.error().message.find(config::backend_key(kind) + ": '" + name +
                                             "' is not allowed") == std::string::npos;
      const bool in_registry = config::find_backend(backend_table(), kind, name) != nullptr;
      EXPECT_EQ(config_accepts, in_registry) << kind << " " << name;
    }
  }
}

// What make_devices builds is what the registry promised, and what it refuses is what the
// config check refuses, with the same words.
TEST(Registry, WiringBuildsExactlyTheRows) {
  for (const auto& row : backend_table()) {
    if (row.kind == "board") continue;
    auto cfg = choose(all_sim(), row.kind, row.name);
    // Need hardware (gcode: a serial controller, tested against a pty in unit/turntable and
    // integration/turntable_gcode; gpiod and stepdir: gpio lines).
    if (row.name == "gphoto2" || row.name == "libcamera" || row.name == "gpiod" ||
        row.name == "gcode" || row.name == "stepdir")
      continue;
    auto d = make_devices(cfg);
    if (!row.built) {
      ASSERT_FALSE(d.ok()) << row.kind << " " << row.name;
      EXPECT_EQ(d.error().message, config::check_backends(cfg, backend_table()).error().message);
      EXPECT_THAT(d.error().message, HasSubstr("is not built into this tetherbox"));
      continue;
    }
    ASSERT_TRUE(d.ok()) << row.kind << " " << row.name << ": " << d.error().message;
    ASSERT_TRUE(d->clock);
    const bool none = row.name == "none";
    if (row.kind == "camera") {
      EXPECT_EQ(d->camera == nullptr, none);
    }
    if (row.kind == "turntable") {
      ASSERT_EQ(d->turntable == nullptr, none);
      if (!none) {
        EXPECT_EQ(d->turntable->info().moves_elevation, row.moves_elevation);
      }
    }
    if (row.kind == "lighting") {
      EXPECT_EQ(d->lights == nullptr, none);
    }
    if (row.kind == "buttons") {
      EXPECT_EQ(d->buttons == nullptr, none);
    }
    if (row.kind == "gps") {
      EXPECT_EQ(d->gps == nullptr, none);
    }
    if (row.kind == "ambient") {
      EXPECT_EQ(d->ambient == nullptr, none);
    }
  }
}

// Preflight with the registry lists every device and flags the simulated ones.
TEST(Registry, PreflightMarksSimulatedDevices) {
  auto cfg = all_sim();
  cfg.buttons.backend = "none";
  cfg.gps.backend = "none";
  cfg.orbit.rings = {config::Ring{0.0, 4}, config::Ring{30.0, 4}};
  auto pf = capture::preflight(cfg, backend_table());
  ASSERT_TRUE(pf.ok()) << pf.error().message;
  std::map<std::string, bool> sim;
  for (const auto& d : pf->devices) sim[d.kind] = d.simulated;
  EXPECT_EQ(sim.size(), 6u);
  EXPECT_TRUE(sim["camera"]);
  EXPECT_TRUE(sim["turntable"]);
  EXPECT_FALSE(sim["buttons"]);
  EXPECT_FALSE(sim["gps"]);
}

// The shipped examples load and pass preflight against this build's registry, as `tetherbox
// plan` runs them (a real-camera example only where its backend is built).
TEST(Registry, ExamplesPlanWithThisBuild) {
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(TB_CONFIG_EXAMPLES)) {
    if (e.path().extension() != ".yaml") continue;
    ++n;
    capture::Preflight pf;
    config::LoadOptions opts;
    opts.built = &backend_table();
    opts.more_checks = [&](const config::Config& c) {
      return capture::preflight_issues(c, &backend_table(), &pf);
    };
    auto cfg = config::load_file(e.path().string(), opts);
    const auto* cam =
        cfg.ok() ? nullptr : config::find_backend(backend_table(), "camera", "gphoto2");
    if (!cfg.ok() && cam && !cam->built) {
      EXPECT_THAT(cfg.error().message, HasSubstr("is not built")) << e.path();
      continue;
    }
    ASSERT_TRUE(cfg.ok()) << e.path() << ": " << cfg.error().message;
    EXPECT_GT(pf.names_checked, 0u) << e.path();
    EXPECT_EQ(pf.devices.size(), 6u) << e.path();
  }
  EXPECT_GE(n, 4);
}

}  // namespace
}  // namespace tb::firmware
