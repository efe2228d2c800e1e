// Every number has a range and every string is text: values that crashed or hung a run after
// being accepted (issue 8, items 5 and 6) are refused at their file:line:col.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_util.hpp"

namespace tb::config::test {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

const std::string kCam = "camera:\n  backend: sim\n";  // lines 1-2

TEST(ConfigRanges, CrashingValuesAreRefusedWhereTheyAre) {
  EXPECT_THAT(load_error(kCam + "  sim:\n    width: 2147483647\n"),
              StartsWith("bad.yaml:4:12: camera.sim.width: 2147483647 is out of range; expected "
                         "16..16384 pixels"));
  EXPECT_THAT(load_error(kCam + "turntable:\n  step_deg: 1e-308\n"),
              StartsWith("bad.yaml:4:13: turntable.step_deg: 1e-308 is out of range"));
  EXPECT_THAT(load_error(kCam + "orbit:\n  subject_distance_m: 1e308\n"),
              StartsWith("bad.yaml:4:23: orbit.subject_distance_m: 1e+308 is out of range"));
  EXPECT_THAT(load_error(kCam + "storage:\n  reserve_mb: 18000000000000\n"),
              StartsWith("bad.yaml:4:15: storage.reserve_mb: 18000000000000 is out of range"));
  EXPECT_THAT(load_error(kCam + "  sim:\n    width: 16384\n    height: 16384\n"),
              HasSubstr("camera.sim.width: 16384 x 16384 is 268435456 pixels"));
}

TEST(ConfigRanges, NonFiniteAndHugeNumbersAreClearErrors) {
  EXPECT_THAT(load_error(kCam + "orbit:\n  subject_radius_m: .nan\n"),
              StartsWith("bad.yaml:4:21: orbit.subject_radius_m: '.nan' is not a finite number"));
  EXPECT_THAT(load_error(kCam + "orbit:\n  coverage_deg: -.inf\n"),
              StartsWith("bad.yaml:4:17: orbit.coverage_deg: '-.inf' is not a finite number"));
  EXPECT_THAT(load_error(kCam + "orbit:\n  coverage_deg: 1e999\n"),
              StartsWith("bad.yaml:4:17: orbit.coverage_deg: '1e999' is beyond the range"));
}

TEST(ConfigRanges, CameraMustBeOutsideTheSubject) {
  EXPECT_THAT(load_error(kCam + "orbit:\n  subject_distance_m: 0.5\n  subject_radius_m: 0.5\n"),
              HasSubstr("orbit.subject_radius_m: 0.5 m reaches the camera"));
}

TEST(ConfigRanges, ListsAndCountsHaveCaps) {
  std::string evs;
  for (int i = 0; i < 65; ++i) evs += (i ? "," : "") + std::to_string(i * 0.05);
  EXPECT_THAT(load_error(kCam + "brackets:\n  ev: [" + evs + "]\n"),
              StartsWith("bad.yaml:4:7: brackets.ev: has 65 entries; expected at most 64"));
  EXPECT_THAT(load_error(kCam + "session:\n  max_brackets: 1000000\n"),
              StartsWith("bad.yaml:4:17: session.max_brackets: 1000000 is out of range"));
  // Two rings at one elevation take every pose twice.
  EXPECT_THAT(load_error(kCam + "orbit:\n  rings:\n    - {elevation_deg: 10}\n"
                                "    - {elevation_deg: 10}\n"),
              StartsWith("bad.yaml:6:23: orbit.rings[1].elevation_deg: 10 repeats the elevation "
                         "of orbit.rings[0]"));
  // A million bracket steps are refused by the file's size, before YAML parsing.
  std::string huge = kCam + "brackets:\n  ev: [";
  for (int i = 0; i < 600000; ++i) huge += "0,";
  huge += "0]\n";
  EXPECT_THAT(load_error(huge), HasSubstr("the config is larger than 1048576 bytes"));
}

TEST(ConfigRanges, InvalidUtf8IsAnErrorAtItsPlace) {
  EXPECT_THAT(load_error(kCam + "session:\n  name: \"caf\xe9\"\n"),
              StartsWith("bad.yaml:4:9: session.name: is not valid UTF-8 at byte 3"));
  EXPECT_THAT(load_error(kCam + "metadata:\n  creator: \"ok \xc3\x28\"\n"),
              StartsWith("bad.yaml:4:12: metadata.creator: is not valid UTF-8 at byte 3"));
  EXPECT_THAT(load_error(kCam + "lighting:\n  lights: [{name: a}]\n  presets:\n"
                                "    - {name: \"\xff\", on: [a]}\n"),
              HasSubstr("lighting.presets[0].name: is not valid UTF-8 at byte 0"));
  // Overlong encodings and surrogates are not UTF-8 either; real UTF-8 is fine.
  EXPECT_THAT(load_error(kCam + "metadata:\n  project: \"\xc0\xaf\"\n"),
              HasSubstr("not valid UTF-8 at byte 0"));
  EXPECT_THAT(load_error(kCam + "metadata:\n  project: \"\xed\xa0\x80\"\n"),
              HasSubstr("not valid UTF-8 at byte 0"));
  auto ok = load_string(kCam + "metadata:\n  creator: \"Zoë 写真 🙂\"\n", "ok.yaml");
  EXPECT_TRUE(ok.ok()) << ok.error().message;
}

TEST(ConfigRanges, SessionNameMustBeADirectoryName) {
  for (const char* bad : {"a/b", "..", "x..y", ".", "tab\there", "nl\\nhere", "back\\\\slash"}) {
    const auto msg = load_error(kCam + "session:\n  name: \"" + bad + "\"\n");
    EXPECT_THAT(msg, StartsWith("bad.yaml:4:9: session.name: ")) << bad;
  }
  EXPECT_THAT(load_error(kCam + "session:\n  name: \"\"\n"), HasSubstr("session.name: is empty"));
  EXPECT_THAT(load_error(kCam + "session:\n  name: " + std::string(101, 'n') + "\n"),
              HasSubstr("expected at most 100"));
  EXPECT_TRUE(load_string(kCam + "session:\n  name: \"plot 7 - café\"\n").ok());
}

TEST(ConfigRanges, BackendsTheBuildCannotMakeAreRefused) {
  const BackendTable table = {
      {"board", "sim", true, true, false, ""},
      {"board", "rpi4", false, false, false, "needs gpiod"},
      {"camera", "sim", true, true, false, ""},
      {"camera", "gphoto2", false, false, false, "libgphoto2 not found"},
      {"turntable", "sim", true, true, true, ""},
      {"turntable", "none", true, false, false, ""},
      {"lighting", "sim", true, true, false, ""},
      {"buttons", "none", true, false, false, ""},
      {"gps", "sim", true, true, false, ""},
      {"gps", "gpsd", false, false, false, "not implemented"},
      {"ambient", "sim", true, true, false, ""},
  };
  LoadOptions opts;
  opts.built = &table;
  auto r = load_string("board: rpi4\ncamera:\n  backend: gphoto2\ngps:\n  backend: gpsd\n",
                       "b.yaml", opts);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message,
              StartsWith("b.yaml:1:8: board: 'rpi4' is not built into this tetherbox (needs "
                         "gpiod); expected one of: sim\n"
                         "b.yaml:3:12: camera.backend: 'gphoto2' is not built into this "
                         "tetherbox (libgphoto2 not found); expected one of: sim\n"
                         "b.yaml:5:12: gps.backend: 'gpsd' is not built"));
  EXPECT_TRUE(load_string(kCam, "ok.yaml", opts).ok());
  // Outside checks are placed at the key they name.
  opts.more_checks = [](const Config&) {
    return std::vector<KeyIssue>{{"storage.name_template", "bad template"}};
  };
  auto placed = load_string(kCam + "storage:\n  name_template: \"{x}\"\n", "t.yaml", opts);
  ASSERT_FALSE(placed.ok());
  EXPECT_EQ(placed.error().message, "t.yaml:4:18: storage.name_template: bad template");
}

}  // namespace
}  // namespace tb::config::test
