// The shipped examples load, say what their comments promise, and comment every key.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include "test_util.hpp"

namespace tb::config::test {
namespace {

const std::string kDir = TB_CONFIG_EXAMPLES_DIR;

Config load_example(const std::string& name) {
  auto r = load_file(kDir + "/" + name);
  EXPECT_TRUE(r.ok()) << name << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : Config{};
}

TEST(ConfigExamples, EveryExampleLoads) {
  int count = 0;
  for (const auto& e : std::filesystem::directory_iterator(kDir)) {
    if (e.path().extension() != ".yaml") continue;
    ++count;
    auto r = load_file(e.path().string());
    EXPECT_TRUE(r.ok()) << e.path() << ": " << (r.ok() ? "" : r.error().message);
  }
  EXPECT_GE(count, 3);
}

TEST(ConfigExamples, EveryKeyHasAComment) {
  const std::regex key_line(R"(^\s*(- )?[a-z_0-9]+:.*)");
  for (const char* name : {"turntable.yaml", "field-kit.yaml", "headless.yaml"}) {
    std::ifstream in(kDir + "/" + name);
    ASSERT_TRUE(in) << name;
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
      ++n;
      if (std::regex_match(line, key_line)) {
        EXPECT_NE(line.find(" # "), std::string::npos)
            << name << ":" << n << " has no comment: " << line;
      }
    }
  }
}

TEST(ConfigExamples, Turntable) {
  const Config c = load_example("turntable.yaml");
  EXPECT_EQ(c.board, "sim");
  EXPECT_EQ(c.session.mode, "orbit");
  EXPECT_EQ(c.camera.backend, "sim");
  EXPECT_EQ(c.camera.sim.width, 1536);
  EXPECT_EQ(c.camera.sim.height, 1024);
  EXPECT_DOUBLE_EQ(c.camera.exposure.shutter_s, 1.0 / 125);
  ASSERT_EQ(c.orbit.rings.size(), 3u);
  EXPECT_DOUBLE_EQ(c.orbit.rings[1].elevation_deg, 30);
  for (const auto& ring : c.orbit.rings) EXPECT_FALSE(ring.positions.has_value());
  EXPECT_DOUBLE_EQ(c.orbit.target_overlap, 0.75);
  EXPECT_DOUBLE_EQ(c.lens.focal_length_mm, 50);
  EXPECT_DOUBLE_EQ(c.lens.sensor_width_mm, 36);
  EXPECT_DOUBLE_EQ(c.orbit.subject_distance_m, 1.0);
  EXPECT_DOUBLE_EQ(c.orbit.subject_radius_m, 0.15);
  ASSERT_EQ(c.lighting.lights.size(), 2u);
  EXPECT_EQ(c.lighting.lights[0].name, "key");
  EXPECT_DOUBLE_EQ(c.lighting.lights[0].colour_temp_k, 5600);
  EXPECT_DOUBLE_EQ(c.lighting.lights[1].azimuth_deg, -60);
  EXPECT_DOUBLE_EQ(c.lighting.lights[1].colour_temp_k, 3200);
  ASSERT_EQ(c.lighting.presets.size(), 2u);
  EXPECT_EQ(c.lighting.presets[0].on, std::vector<std::string>{"key"});
  EXPECT_EQ(c.lighting.presets[1].on, (std::vector<std::string>{"key", "fill"}));
  EXPECT_EQ(c.brackets.ev, (std::vector<double>{-1, 0, 1}));
  EXPECT_EQ(c.gps.backend, "sim");
  EXPECT_EQ(c.ambient.backend, "sim");
  EXPECT_EQ(std::filesystem::path(c.storage.root), std::filesystem::path(kDir) / "sessions");
}

TEST(ConfigExamples, FieldKit) {
  const Config c = load_example("field-kit.yaml");
  EXPECT_EQ(c.session.mode, "buttons");
  EXPECT_EQ(c.buttons.backend, "sim");
  EXPECT_FALSE(c.buttons.sim_press_at_s.empty());
  EXPECT_GT(c.gps.sim.nofix_s, 0);
  EXPECT_GT(c.ambient.sim.dropout_probability, 0);
  EXPECT_EQ(c.turntable.backend, "none");
  EXPECT_EQ(c.brackets.ev, (std::vector<double>{-2, 0, 2}));
  EXPECT_TRUE(c.privacy.strip_gps_on_delivery);
}

TEST(ConfigExamples, Headless) {
  const Config c = load_example("headless.yaml");
  ASSERT_EQ(c.orbit.rings.size(), 1u);
  EXPECT_EQ(c.orbit.rings[0].positions, std::optional<int>(24));
  EXPECT_EQ(c.lighting.presets.size(), 1u);
  EXPECT_EQ(c.brackets.ev, std::vector<double>{0});
}

}  // namespace
}  // namespace tb::config::test
