// preflight(): names proven distinct by rendering every one, plan caps checked before any
// allocation of that size, releases checked by what they are and contain, rigs that cannot do
// the plan refused. Every case here lost frames or crashed a run before (issue 8).
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "tetherbox/capture/preflight.hpp"

namespace tb::capture {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

config::Light light(const std::string& name) {
  config::Light l;
  l.name = name;
  return l;
}

// One ring of `positions`, one preset, one bracket, names from `tmpl`.
config::Config orbit(int positions, const std::string& tmpl) {
  config::Config cfg;
  cfg.session.name = "s";
  cfg.orbit.rings = {config::Ring{0.0, positions}};
  cfg.storage.name_template = tmpl;
  return cfg;
}

std::string preflight_error(const config::Config& cfg) {
  auto r = preflight(cfg);
  EXPECT_FALSE(r.ok()) << "expected preflight to refuse template " << cfg.storage.name_template;
  return r.ok() ? std::string() : r.error().message;
}

// 720 positions are 0.5° apart; {az:03} rounds to whole degrees: two frames, one file.
TEST(Preflight, AzimuthsRoundedToWholeDegreesCollide) {
  const auto msg = preflight_error(orbit(720, "{ring}_{az:03}_{light}_{ev}"));
  // 0.5 rounds up to 1: frames 1 and 2 share "0_001_...".
  EXPECT_THAT(msg, AllOf(HasSubstr("storage.name_template"), HasSubstr("the same name \"0_001_"),
                         HasSubstr("frame 1 (ring 0, azimuth 0.5°"),
                         HasSubstr("frame 2 (ring 0, azimuth 1°"), HasSubstr("use {az:05.1f}")))
      << msg;
  // The fix the message suggests works: the exact angle under a floating spec.
  auto ok = preflight(orbit(720, "{ring}_{az:05.1f}_{light}_{ev}"));
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->names_checked, 720u);
}

TEST(Preflight, SeqAsACharacterCollides) {
  const auto msg = preflight_error(orbit(300, "{seq:c}"));
  EXPECT_THAT(msg, AllOf(HasSubstr("the same name"), HasSubstr("use {seq:05}"))) << msg;
}

config::Config two_presets(const std::string& a, const std::string& b) {
  auto cfg = orbit(4, "{session}_{ring}_{az:03}_{light}_{ev:+.1f}");
  cfg.lighting.lights = {light("l")};
  cfg.lighting.presets = {config::LightingPreset{a, {"l"}, 0}, config::LightingPreset{b, {}, 0}};
  return cfg;
}

TEST(Preflight, PresetsThatSanitiseAlikeAreRefused) {
  // "key light" and "key-light" both become "key-light" in a frame name.
  EXPECT_THAT(preflight_error(two_presets("key light", "key-light")),
              AllOf(HasSubstr("lighting.presets[1].name"), HasSubstr("'key-light'"),
                    HasSubstr("'key light'")));
  // "a.b" and "a_b" both become "a_b" in per-preset export files.
  EXPECT_THAT(preflight_error(two_presets("a.b", "a_b")),
              AllOf(HasSubstr("lighting.presets[1].name"), HasSubstr("'a_b'")));
  EXPECT_TRUE(preflight(two_presets("key", "fill")).ok());
}

config::Config buttons(int max_brackets, const std::string& tmpl) {
  config::Config cfg;
  cfg.session.name = "kit";
  cfg.session.mode = "buttons";
  cfg.session.max_brackets = max_brackets;
  cfg.buttons.backend = "sim";
  cfg.turntable.backend = "none";
  cfg.orbit.enabled = false;
  cfg.brackets.ev = {-1, 0, 1};
  cfg.storage.name_template = tmpl;
  return cfg;
}

// Every press repeats the same position, preset and brackets: only {seq}/{req} tell presses
// apart, and the parse-time check accepts this template (it has ring, az, light and ev).
TEST(Preflight, ButtonsPressesNeedAFieldThatGrows) {
  const auto msg = preflight_error(buttons(4, "{ring}_{az}_{light}_{ev:+.1f}"));
  EXPECT_THAT(msg, AllOf(HasSubstr("frame 0 (press 1"), HasSubstr("frame 3 (press 2"),
                         HasSubstr("add {seq}")))
      << msg;
  auto ok = preflight(buttons(4, "{session}_{seq:05}_{ev:+.1f}"));
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->presses_checked, 4u);
  EXPECT_EQ(ok->names_checked, 12u);
  EXPECT_EQ(ok->planned_total, 12u);
}

TEST(Preflight, UnboundedPressesAreProvenUpToTheCap) {
  auto ok = preflight(buttons(0, "{seq:05}"));
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->presses_checked, kPlanCaps.shots / 3);
  EXPECT_EQ(ok->planned_total, 0u);
  // {seq:03} with 5 digits past 999 still differs; {seq:c} does not.
  EXPECT_THAT(preflight_error(buttons(0, "{seq:c}_{ev}")), HasSubstr("the same name"));
  EXPECT_THAT(preflight_error(buttons(50000, "{seq}")), HasSubstr("session.max_brackets"));
}

// Item 16: one frame cannot collide with itself, so only the parse-time check refuses a
// template that could never make names unique. Removing that check fails this test.
TEST(Preflight, TemplateWithoutAUniqueFieldIsRefusedEvenForOneFrame) {
  auto cfg = orbit(1, "{session}_{light}");
  cfg.session.mode = "single";
  const auto msg = preflight_error(cfg);
  EXPECT_THAT(msg, AllOf(HasSubstr("storage.name_template"), HasSubstr("cannot make names unique")))
      << msg;
}

TEST(Preflight, HugeFieldWidthIsRefusedBeforeFormatting) {
  EXPECT_THAT(preflight_error(orbit(4, "{seq:>2000000000}")),
              AllOf(HasSubstr("storage.name_template"), HasSubstr("too large")));
  EXPECT_THAT(preflight_error(orbit(4, "{seq:.999}")), HasSubstr("too large"));
  EXPECT_TRUE(preflight(orbit(4, "{seq:>64}")).ok());
}

TEST(Preflight, NamesLongerThanTheCapAreRefused) {
  auto cfg = orbit(4, std::string(150, 'x') + "_{session}_{seq:05}");
  cfg.session.name = std::string(60, 'n');
  EXPECT_THAT(preflight_error(cfg), HasSubstr("expected at most 200 bytes"));
}

// 2000 rings x 720 positions once took 2 GB before failing; 10^6 brackets hung in an O(n^2)
// duplicate check. Both are refused by counting, before anything that size exists.
TEST(Preflight, PlanCapsAreCountedBeforeAllocating) {
  auto many_rings = orbit(720, "{seq}");
  many_rings.orbit.rings.assign(2000, config::Ring{0.0, 720});
  EXPECT_THAT(preflight_error(many_rings), HasSubstr("at most 64"));

  auto many_brackets = orbit(1, "{seq}");
  many_brackets.brackets.ev.assign(1000000, 0.0);
  EXPECT_THAT(preflight_error(many_brackets), HasSubstr("brackets.ev: has 1000000 steps"));

  // Within every per-list limit, over the shot cap: 64 rings x 720 x 3 presets.
  auto product = orbit(720, "{seq}");
  product.orbit.rings.clear();
  for (int i = 0; i < 64; ++i) product.orbit.rings.push_back(config::Ring{i * 1.0, 720});
  product.lighting.lights = {light("l")};
  product.lighting.presets = {config::LightingPreset{"a", {}, 0},
                              config::LightingPreset{"b", {}, 0},
                              config::LightingPreset{"c", {}, 0}};
  EXPECT_THAT(preflight_error(product), HasSubstr("more than 100000 shots"));
}

TEST(Preflight, EstimatesTheSessionSize) {
  auto cfg = orbit(10, "{seq}");
  cfg.camera.sim.width = 1000;
  cfg.camera.sim.height = 500;
  cfg.camera.format = "raw";
  auto pf = preflight(cfg);
  ASSERT_TRUE(pf.ok()) << pf.error().message;
  EXPECT_TRUE(pf->bytes_estimated_from_image);
  EXPECT_EQ(pf->bytes_per_frame, 1000u * 500u * 2u);
  EXPECT_EQ(pf->estimated_bytes, 10u * 1000u * 500u * 2u);
}

class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = fs::temp_directory_path() / ("tb_preflight_" + std::to_string(rd()));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string write(const std::string& name, const std::string& bytes) const {
    const auto p = path_ / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << bytes;
    return p.string();
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

config::Config with_releases(std::vector<std::string> releases) {
  auto cfg = orbit(2, "{seq}");
  cfg.metadata.releases = std::move(releases);
  return cfg;
}

TEST(Preflight, ReleasesMustBeRegularFilesOfAKnownType) {
  TempDir dir;
  const auto pdf = dir.write("a/release.pdf", "%PDF-1.4\n...");
  const auto pdf2 = dir.write("b/release.pdf", "%PDF-1.7\n...");
  const auto jpg = dir.write("photo id.jpg", std::string("\xFF\xD8\xFF\xE0", 4) + "jfif");
  const auto png = dir.write("x.png", std::string("\x89PNG\r\n\x1a\n", 8) + "....");
  auto ok = preflight(with_releases({pdf, pdf2, jpg, png}));
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  ASSERT_EQ(ok->releases.size(), 4u);
  // Same file name from two folders: both kept, the second renamed.
  EXPECT_EQ(ok->releases[0].stored_name, "release.pdf");
  EXPECT_EQ(ok->releases[1].stored_name, "release-2.pdf");
  EXPECT_EQ(ok->releases[2].stored_name, "photo-id.jpg");
  EXPECT_EQ(ok->releases[2].type, "JPEG");
  EXPECT_EQ(ok->releases[3].type, "PNG");
  EXPECT_EQ(ok->releases[0].size, 12u);

  const auto text = dir.write("notes.pdf", "just text, named .pdf");
  EXPECT_THAT(preflight_error(with_releases({pdf, text})),
              AllOf(HasSubstr("metadata.releases[1]"), HasSubstr("is not a PDF, JPEG or PNG")));
  EXPECT_THAT(preflight_error(with_releases({dir.path().string()})),
              AllOf(HasSubstr("metadata.releases[0]"), HasSubstr("is a directory")));
  EXPECT_THAT(preflight_error(with_releases({"/dev/zero"})), HasSubstr("is a device"));
  EXPECT_THAT(preflight_error(with_releases({(dir.path() / "missing.pdf").string()})),
              AllOf(HasSubstr("metadata.releases[0]"), HasSubstr("No such file")));
  const auto fifo = (dir.path() / "fifo").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_THAT(preflight_error(with_releases({fifo})), HasSubstr("is a FIFO"));
  // A sparse file past the cap: refused by its size, never read.
  const auto big = dir.write("big.pdf", "%PDF-1.4\n");
  fs::resize_file(big, kMaxReleaseBytes + 1);
  EXPECT_THAT(preflight_error(with_releases({big})),
              HasSubstr("expected a release of at most 64 MB"));
}

// The runner's rig check, made before the bag: several poses need a turntable, several
// elevations a turntable that moves elevation.
TEST(Preflight, RigMustBeAbleToReachEveryPose) {
  config::BackendTable table = {
      {"board", "sim", true, true, false, ""},        {"camera", "sim", true, true, false, ""},
      {"turntable", "sim", true, true, false, ""},    {"turntable", "none", true, false, false, ""},
      {"lighting", "sim", true, true, false, ""},     {"buttons", "none", true, false, false, ""},
      {"gps", "sim", true, true, false, ""},          {"ambient", "sim", true, true, false, ""},
      {"gps", "gpsd", false, false, false, "no lib"},
  };
  auto cfg = orbit(4, "{seq}");
  cfg.orbit.rings = {config::Ring{0.0, 4}, config::Ring{30.0, 4}};
  auto r = preflight(cfg, table);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, AllOf(HasSubstr("orbit.rings"), HasSubstr("cannot move")));
  table[2].moves_elevation = true;
  auto ok = preflight(cfg, table);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  ASSERT_EQ(ok->devices.size(), 6u);
  EXPECT_EQ(ok->devices[0].kind, "camera");
  EXPECT_TRUE(ok->devices[0].simulated);
  EXPECT_FALSE(ok->devices[3].simulated);  // buttons: none

  cfg.gps.backend = "gpsd";
  r = preflight(cfg, table);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message,
              AllOf(HasSubstr("gps.backend"), HasSubstr("not built"), HasSubstr("no lib")));

  auto still = orbit(4, "{seq}");
  still.turntable.backend = "none";
  EXPECT_THAT(preflight_error(still),
              AllOf(HasSubstr("turntable.backend"), HasSubstr("the plan has 4 positions")));
}

}  // namespace
}  // namespace tb::capture
