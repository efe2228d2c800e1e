#include "tetherbox/capture/resume_config.hpp"

#include <gtest/gtest.h>

namespace tb::capture {
namespace {

bool has(const std::vector<std::string>& v, const std::string& k) {
  return std::find(v.begin(), v.end(), k) != v.end();
}

TEST(ResumeConfig, DeviceOnlyKeysMayDiffer) {
  config::Config a, b;
  b.camera.select.port = "usb:001,009";
  b.camera.sim.faults.busy_probability = 1.0;
  b.storage.root = "/elsewhere";
  b.storage.reserve_mb = 1;
  b.turntable.speed_deg_s = 10;
  b.gps.gpsd_port = 1234;
  b.log_level = "debug";
  b.source_path = "/other.yaml";
  EXPECT_TRUE(data_differences(a, b).empty());
}

TEST(ResumeConfig, EveryDataKeyIsNamed) {
  config::Config a, b;
  b.session.mode = "buttons";
  b.session.name = "other";
  b.camera.format = "jpeg";
  b.camera.sim.width = 640;
  b.camera.exposure.iso = 400;
  b.storage.name_template = "{seq}";
  b.brackets.ev = {-1, 0, 1};
  b.orbit.rings.push_back({30, 4});
  b.lighting.presets.push_back({"key", {"k"}, 0});
  auto d = data_differences(a, b);
  for (const char* k :
       {"session.mode", "session.name", "camera.format", "camera.sim.width", "camera.exposure.iso",
        "storage.name_template", "brackets.ev", "orbit", "lighting.presets"})
    EXPECT_TRUE(has(d, k)) << k;
  EXPECT_EQ(d.size(), 9u);
}

TEST(ResumeConfig, ALightRewiredIsTheSameLight) {
  config::Config a, b;
  a.lighting.lights.push_back({"key", 5600, 30, 30, 1.0, "gpiochip0", 4, false});
  b.lighting.lights.push_back({"key", 5600, 30, 30, 1.0, "gpiochip1", 17, true});
  EXPECT_TRUE(data_differences(a, b).empty());
  b.lighting.lights[0].colour_temp_k = 3200;
  EXPECT_TRUE(has(data_differences(a, b), "lighting.lights"));
}

}  // namespace
}  // namespace tb::capture
