// Every kind of load error names file:line:col (1-based) and the key path, in one shape:
// "<file>:<line>:<col>: <key.path>: <what is wrong>; expected <what is allowed>".
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_util.hpp"

namespace tb::config::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// Lines 1..6 are fixed; tests append line 7 onwards.
const std::string kHead =
    "board: sim\n"      // 1
    "session:\n"        // 2
    "  name: s\n"       // 3
    "camera:\n"         // 4
    "  backend: sim\n"  // 5
    "  exposure:\n";    // 6

TEST(ConfigLoadErrors, WrongTypeNamesLineColumnAndKey) {
  const auto msg = load_error(kHead + "    iso: abc\n");
  EXPECT_THAT(msg, StartsWith("bad.yaml:7:10: camera.exposure.iso: 'abc' is not a number"));
  EXPECT_THAT(msg, HasSubstr("; expected an integer"));
}

TEST(ConfigLoadErrors, FractionForIntegerIsRejected) {
  EXPECT_THAT(load_error(kHead + "    iso: 100.5\n"),
              StartsWith("bad.yaml:7:10: camera.exposure.iso: '100.5' is not a whole number"));
}

TEST(ConfigLoadErrors, UnknownKeySuggestsClosest) {
  const auto msg = load_error(kHead + "    aperature: 8\n");
  EXPECT_THAT(msg, StartsWith("bad.yaml:7:5: camera.exposure.aperature: unknown key; did you "
                              "mean 'aperture'?"));
}

TEST(ConfigLoadErrors, UnknownKeyFarFromAllListsAllowedKeys) {
  const auto msg = load_error(kHead + "    zoom: 3\n");
  EXPECT_THAT(msg, StartsWith("bad.yaml:7:5: camera.exposure.zoom: unknown key; expected one of: "
                              "shutter, aperture, iso"));
  EXPECT_THAT(msg, Not(HasSubstr("did you mean")));
}

TEST(ConfigLoadErrors, UnknownTopLevelSection) {
  EXPECT_THAT(load_error("board: sim\ncamrea:\n  backend: sim\n"),
              StartsWith("bad.yaml:2:1: camrea: unknown key; did you mean 'camera'?"));
}

TEST(ConfigLoadErrors, ApertureMustBePositive) {
  EXPECT_THAT(load_error(kHead + "    aperture: 0\n"),
              StartsWith("bad.yaml:7:15: camera.exposure.aperture: 0 must be greater than 0; "
                         "expected a positive value"));
}

TEST(ConfigLoadErrors, IsoMustBePositive) {
  EXPECT_THAT(load_error(kHead + "    iso: -100\n"),
              StartsWith("bad.yaml:7:10: camera.exposure.iso: -100 must be greater than 0"));
}

TEST(ConfigLoadErrors, BadShutterPointsAtIt) {
  const auto msg = load_error(kHead + "    shutter: 1/fast\n");
  EXPECT_THAT(msg, StartsWith("bad.yaml:7:14: camera.exposure.shutter: '1/fast' is not a shutter "
                              "time; expected"));
}

TEST(ConfigLoadErrors, OverlapOutsideRange) {
  const auto msg = load_error("orbit:\n  target_overlap: 0.95\n");
  EXPECT_THAT(msg, StartsWith("bad.yaml:2:19: orbit.target_overlap: 0.95 is out of range; "
                              "expected 0.6..0.9"));
  EXPECT_THAT(load_error("orbit:\n  target_overlap: 0.5\n"),
              StartsWith("bad.yaml:2:19: orbit.target_overlap: 0.5 is out of range"));
  EXPECT_TRUE(load_string("camera: {backend: sim}\norbit:\n  target_overlap: 0.6\n").ok());
  EXPECT_TRUE(load_string("camera: {backend: sim}\norbit:\n  target_overlap: 0.9\n").ok());
}

TEST(ConfigLoadErrors, NegativeSettle) {
  EXPECT_THAT(load_error("turntable:\n  backend: sim\n  settle_ms: -5\n"),
              StartsWith("bad.yaml:3:14: turntable.settle_ms: -5 must not be negative"));
  EXPECT_THAT(load_error("lighting:\n  lights: [{name: a}]\n  presets:\n"
                         "    - name: p\n      on: [a]\n      settle_ms: -1\n"),
              StartsWith("bad.yaml:6:18: lighting.presets[0].settle_ms: -1 must not be negative"));
}

TEST(ConfigLoadErrors, SimImageSizeMustBePositive) {
  EXPECT_THAT(load_error("camera:\n  sim:\n    width: 0\n"),
              StartsWith("bad.yaml:3:12: camera.sim.width: 0 must be greater than 0"));
  EXPECT_THAT(load_error("camera:\n  sim:\n    height: -2\n"),
              StartsWith("bad.yaml:3:13: camera.sim.height: -2 must be greater than 0"));
}

TEST(ConfigLoadErrors, BadEnumsSuggestAndList) {
  EXPECT_THAT(load_error("camera:\n  backend: gphot2\n"),
              StartsWith("bad.yaml:2:12: camera.backend: 'gphot2' is not allowed (did you mean "
                         "'gphoto2'?); expected one of: sim, gphoto2, libcamera"));
  EXPECT_THAT(load_error("camera:\n  format: tiff\n"),
              StartsWith("bad.yaml:2:11: camera.format: 'tiff' is not allowed; expected one of: "
                         "raw, jpeg, raw+jpeg"));
  EXPECT_THAT(load_error("session:\n  mode: orbitt\n"),
              StartsWith("bad.yaml:2:9: session.mode: 'orbitt' is not allowed (did you mean "
                         "'orbit'?); expected one of: orbit, buttons, single"));
}

TEST(ConfigLoadErrors, BoardAcceptsSimRpi4Rpi5) {
  for (const char* b : {"sim", "rpi4", "rpi5"}) {
    auto r = load_string(std::string("camera: {backend: sim}\nboard: ") + b + "\n");
    ASSERT_TRUE(r.ok()) << b << ": " << r.error().message;
    EXPECT_EQ(r->board, b);
  }
  EXPECT_THAT(load_error("board: pi4\n"),
              StartsWith("bad.yaml:1:8: board: 'pi4' is not allowed (did you mean 'rpi4'?)"));
}

TEST(ConfigLoadErrors, MapExpected) {
  EXPECT_THAT(load_error("camera: 5\n"),
              StartsWith("bad.yaml:1:9: camera: is a single value; expected a map with keys: "
                         "backend, select, exposure"));
}

TEST(ConfigLoadErrors, ListExpected) {
  EXPECT_THAT(load_error("brackets:\n  ev: 1\n"),
              StartsWith("bad.yaml:2:7: brackets.ev: is a single value; expected a list"));
}

TEST(ConfigLoadErrors, BooleanExpected) {
  EXPECT_THAT(load_error("orbit:\n  enabled: maybe\n"),
              StartsWith("bad.yaml:2:12: orbit.enabled: 'maybe' is not a boolean; expected true "
                         "or false"));
}

TEST(ConfigLoadErrors, KeysInsideListItemsCarryTheirIndex) {
  const std::string yaml =
      "orbit:\n"
      "  rings:\n"
      "    - elevation_deg: 0\n"
      "    - elevation_deg: 30\n"
      "      positons: 12\n";
  EXPECT_THAT(load_error(yaml), StartsWith("bad.yaml:5:7: orbit.rings[1].positons: unknown key; "
                                           "did you mean 'positions'?"));
}

TEST(ConfigLoadErrors, PresetNamingUnknownLightPointsAtTheName) {
  const std::string yaml =
      "lighting:\n"
      "  lights:\n"
      "    - name: key\n"
      "    - name: fill\n"
      "  presets:\n"
      "    - name: both\n"
      "      on: [key, fil]\n";
  EXPECT_THAT(load_error(yaml),
              StartsWith("bad.yaml:7:17: lighting.presets[0].on[1]: light 'fil' is not defined in "
                         "lighting.lights (did you mean 'fill'?); expected one of: key, fill"));
}

TEST(ConfigLoadErrors, DuplicateKey) {
  EXPECT_THAT(load_error("camera:\n  backend: sim\n  backend: gphoto2\n"),
              StartsWith("bad.yaml:3:3: camera.backend: duplicate key (first given on line 2)"));
}

TEST(ConfigLoadErrors, YamlSyntaxErrorHasPosition) {
  // A key indented deeper than its siblings after a scalar value: yaml-cpp stops at the ':'.
  const auto msg = load_error("camera:\n  backend: sim\n   format: raw\n");
  EXPECT_THAT(msg, StartsWith("bad.yaml:3:10: invalid YAML: "));
  const auto unclosed = load_error("brackets:\n  ev: [1, 2\n");
  EXPECT_THAT(unclosed, ::testing::MatchesRegex("bad\\.yaml:[0-9]+:[0-9]+: invalid YAML: .*"));
}

TEST(ConfigLoadErrors, DocumentMustBeAMap) {
  EXPECT_THAT(load_error("- a\n- b\n"),
              StartsWith("bad.yaml:1:1: the document is a list; expected a map of sections: "
                         "board, session"));
}

TEST(ConfigLoadErrors, AllProblemsReportedInFileOrder) {
  const std::string yaml =
      "camera:\n"
      "  exposure:\n"
      "    iso: abc\n"
      "orbit:\n"
      "  target_overlap: 2\n"
      "lens:\n"
      "  focal_lenght_mm: 50\n";
  // Type and key errors stop before range checks (the values are not trustworthy yet).
  const auto msg = load_error(yaml);
  const auto iso = msg.find("bad.yaml:3:10: camera.exposure.iso");
  const auto key = msg.find(
      "bad.yaml:7:3: lens.focal_lenght_mm: unknown key; did you mean "
      "'focal_length_mm'?");
  ASSERT_NE(iso, std::string::npos) << msg;
  ASSERT_NE(key, std::string::npos) << msg;
  EXPECT_LT(iso, key);
  // Range problems are all reported together, in file order too.
  const auto ranges = load_error("orbit:\n  target_overlap: 2\ncamera:\n  exposure:\n    iso: 0\n");
  const auto a = ranges.find("bad.yaml:2:19: orbit.target_overlap");
  const auto b = ranges.find("bad.yaml:5:10: camera.exposure.iso");
  ASSERT_NE(a, std::string::npos) << ranges;
  ASSERT_NE(b, std::string::npos) << ranges;
  EXPECT_LT(a, b);
}

TEST(ConfigLoadErrors, MissingFileNamesThePath) {
  TempDir dir;
  const auto path = (dir.path() / "nope" / "tetherbox.yaml").string();
  auto r = load_file(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::not_found);
  EXPECT_THAT(r.error().message, StartsWith(path + ": config file not found"));
}

TEST(ConfigLoadErrors, FileErrorsUseTheFilePath) {
  TempDir dir;
  const auto path = dir.write("bad.yaml", kHead + "    iso: abc\n").string();
  auto r = load_file(path);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, StartsWith(path + ":7:10: camera.exposure.iso:"));
}

// Item 10 of issue 8: an empty file (or one naming no camera) used to run the sim silently.
TEST(ConfigLoadErrors, EmptyDocumentIsAnErrorNotTheSim) {
  EXPECT_THAT(load_error("", "empty.yaml"),
              StartsWith("empty.yaml: camera.backend: required: sim | gphoto2 | libcamera"));
  EXPECT_THAT(load_error("session:\n  name: x\ncamera:\n  format: jpeg\n", "nocam.yaml"),
              StartsWith("nocam.yaml:4:3: camera.backend: required: sim | gphoto2 | libcamera"));
  // Listed after the problems in file order, so a file's first error stays first.
  EXPECT_THAT(load_error("camera:\n  sim:\n    width: 0\n"),
              ::testing::AllOf(StartsWith("bad.yaml:3:12: camera.sim.width"),
                               HasSubstr("\nbad.yaml:2:3: camera.backend: required")));
}

TEST(ConfigLoadErrors, MinimalDocumentGivesDefaults) {
  auto r = load_string("camera:\n  backend: sim\n", "empty.yaml");
  ASSERT_TRUE(r.ok()) << r.error().message;
  Config expected;
  expected.source_path = "empty.yaml";
  expected.storage.root = (std::filesystem::current_path() / "sessions").string();
  EXPECT_EQ(*r, expected);
}

}  // namespace
}  // namespace tb::config::test
