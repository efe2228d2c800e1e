// to_yaml writes every field; load_string reads it back to an equal config.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_util.hpp"

namespace tb::config::test {
namespace {

Config reload(const Config& cfg) {
  const std::string text = to_yaml(cfg);
  auto r = load_string(text, cfg.source_path);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message) << "\n" << text;
  return r.ok() ? *r : Config{};
}

// Every field away from its default, so a field the writer or reader forgets shows up.
Config everything_changed() {
  Config c;
  c.source_path = "everything.yaml";
  c.board = "rpi5";
  c.session = {
      .name = "yes", .mode = "buttons", .max_brackets = 7, .notes = "a: b # not a comment"};
  c.camera.backend = "gphoto2";
  c.camera.select = {.model = "Nikon Z 6", .serial = "0123", .port = "usb:001,004"};
  c.camera.exposure = {.shutter = "1/3", .shutter_s = 1.0 / 3.0, .aperture = 2.8, .iso = 6400};
  c.camera.format = "raw";
  c.camera.verify_tolerance_ev = 0.1;
  c.camera.verify_retries = 5;
  c.camera.capture_target = "ram";
  c.camera.delete_from_card = true;
  c.camera.set_clock = false;
  c.camera.sim = {.width = 640,
                  .height = 480,
                  .dust = true,
                  .seed = 18446744073709551615ull,
                  .faults = {.busy_probability = 0.125,
                             .disconnect_at = {3, 9},
                             .disconnect_captures = 2,
                             .slow_download_ms = 40,
                             .wrong_exposure_at = {5}}};
  c.lens = {.focal_length_mm = 24.5, .sensor_width_mm = 23.5, .sensor_height_mm = 15.6};
  c.orbit = {.enabled = true,
             .subject_distance_m = 0.7,
             .subject_radius_m = 0.1,
             .target_overlap = 0.8,
             .max_view_angle_deg = 45.5,
             .coverage_deg = 180,
             .start_azimuth_deg = -15.5,
             .rings = {Ring{-10, 8}, Ring{20, std::nullopt}, Ring{45.25, 3}}};
  c.turntable = {.backend = "sim",
                 .speed_deg_s = 30,
                 .settle_ms = 0,
                 .step_deg = 0.05,
                 .gcode = {.port = "/dev/serial/by-id/usb-OpenScan",
                           .baud = 57600,
                           .dialect = "marlin",
                           .axis = "A",
                           .units_per_rev = 3200,
                           .gear_ratio = 2.5,
                           .feed = 1200.5,
                           .timeout_ms = 750,
                           .home_on_start = true},
                 .stepdir = {.chip = "pinctrl-rp1",
                             .step_line = 20,
                             .dir_line = 21,
                             .enable_line = -1,
                             .home_line = 26,
                             .steps_per_rev = 400,
                             .microsteps = 32,
                             .gear_ratio = 4.5,
                             .max_speed_deg_s = 22.5,
                             .accel_deg_s2 = 90},
                 .sim = {.needed_settle_ms = 350}};
  c.quality.max_retakes = 3;
  c.quality.retake_extra_settle_ms = 750;
  c.exposure = {.test_shot = true, .test_shot_apply = true, .target_median = 0.2,
                .max_adjust_ev = 2.5};
  c.lighting.backend = "gpiod";
  c.lighting.lights = {
      Light{"key", 5000, 45, 30, 0.75, "gpiochip0", 17, true},
      Light{"no", 3200, -60, 15, 0.5, "/dev/gpiochip4", 0, false},
  };
  c.lighting.presets = {LightingPreset{"key", {"key"}, 50}, LightingPreset{"all", {"key", "no"}, 0},
                        LightingPreset{"dark", {}, 10}};
  c.brackets.ev = {-2.5, -1, 0, 1.0 / 3.0, 2};
  c.buttons.backend = "gpiod";
  c.buttons.buttons = {Button{"trigger", "trigger", "gpiochip0", 5, false, 10},
                       Button{"abort", "abort", "gpiochip0", 6, true, 50},
                       Button{"ring", "next_ring", "gpiochip1", 7, true, 0}};
  c.buttons.sim_press_at_s = {0.5, 2, 10.25};
  c.gps = {.backend = "gpsd",
           .gpsd_host = "10.0.0.2",
           .gpsd_port = 2948,
           .max_fix_age_s = 1.5,
           .sim = {.lat_deg = -33.8568,
                   .lon_deg = 151.2153,
                   .alt_msl_m = -3.5,
                   .speed_m_s = 0,
                   .fix_period_s = 12,
                   .nofix_s = 4}};
  c.ambient = {.backend = "iio",
               .sysfs_root = "/tmp/fake sys",
               .device_name = "bme280",
               .max_age_s = 3,
               .period_ms = 250,
               .sim = {.temperature_c = -4.5,
                       .humidity_pct = 99.5,
                       .pressure_hpa = 870,
                       .drift_per_min = 0,
                       .dropout_probability = 1}};
  c.storage = {.root = "/srv/tetherbox",
               .reserve_mb = 1ull << 24,
               .name_template = "{seq:05}",
               .previews = {.enabled = false, .max_size = 320, .quality = 100}};
  c.metadata = {.creator = "Zoë \"Z\" O'Neil",
                .copyright = "",
                .project = "~",
                .releases = {"/data/release 1.pdf", "/data/r2.pdf"},
                .categories = {"mug", "bottle & cap"}};
  c.privacy.strip_gps_on_delivery = true;
  c.log_level = "debug";
  return c;
}

TEST(ConfigRoundTrip, EveryFieldSurvives) {
  const Config c = everything_changed();
  ASSERT_TRUE(validate(c).ok()) << validate(c).error().message;
  const Config back = reload(c);
  EXPECT_EQ(back, c) << to_yaml(back);
  // And it is a fixed point: writing it again gives the same text.
  EXPECT_EQ(to_yaml(back), to_yaml(c));
}

TEST(ConfigRoundTrip, DefaultsSurvive) {
  Config c;
  c.source_path = "defaults.yaml";
  c.storage.root = "/abs/sessions";
  EXPECT_EQ(reload(c), c);
}

TEST(ConfigRoundTrip, EveryFieldIsWritten) {
  const std::string text = to_yaml(everything_changed());
  for (const char* key :
       {"board:", "shutter:", "busy_probability:", "wrong_exposure_at:", "positions: ~",
        "sim_press_at_s:", "dropout_probability:", "strip_gps_on_delivery:", "log_level:",
        "name_template:", "releases:", "max_view_angle_deg:", "categories:"}) {
    EXPECT_NE(text.find(key), std::string::npos) << key << " missing from\n" << text;
  }
  // shutter_s is derived from shutter and not a key of its own.
  EXPECT_EQ(text.find("shutter_s"), std::string::npos);
}

TEST(ConfigRoundTrip, LoadedExampleSurvives) {
  auto r = load_file(std::string(TB_CONFIG_EXAMPLES_DIR) + "/turntable.yaml");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(reload(*r), *r);
}

}  // namespace
}  // namespace tb::config::test
