// Sequence planning: the overlap model, ring/position counts, shot order and plan errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <tuple>

#include "tetherbox/capture/exposure.hpp"
#include "tetherbox/capture/plan.hpp"

namespace tb::capture {
namespace {

using ::testing::HasSubstr;

config::Light light(const std::string& name) {
  config::Light l;
  l.name = name;
  return l;
}

constexpr double kPi = 3.141592653589793;

// 50 mm on full frame, subject 0.15 m radius on a turntable 1 m from the camera.
config::Config turntable_config() {
  config::Config cfg;
  cfg.lens.focal_length_mm = 50;
  cfg.lens.sensor_width_mm = 36;
  cfg.lens.sensor_height_mm = 24;
  cfg.orbit.enabled = true;
  cfg.orbit.subject_distance_m = 1.0;
  cfg.orbit.subject_radius_m = 0.15;
  cfg.orbit.target_overlap = 0.75;
  cfg.orbit.coverage_deg = 360;
  cfg.orbit.start_azimuth_deg = 0;
  cfg.orbit.rings = {config::Ring{0.0, std::nullopt}};
  cfg.camera.exposure.shutter = "1/125";
  cfg.camera.exposure.shutter_s = 1.0 / 125;
  cfg.camera.exposure.aperture = 8;
  cfg.camera.exposure.iso = 100;
  cfg.brackets.ev = {0.0};
  return cfg;
}

config::Config lit_config() {
  auto cfg = turntable_config();
  cfg.lighting.lights = {light("key_left"), light("fill_right"), light("back")};
  cfg.lighting.presets = {
      config::LightingPreset{"key", {"key_left"}, 150},
      config::LightingPreset{"key_fill", {"key_left", "fill_right"}, 200},
      config::LightingPreset{"rim", {"back"}, 80},
  };
  cfg.brackets.ev = {-1.0, 0.0, 1.0};
  cfg.orbit.rings = {config::Ring{0.0, std::nullopt}, config::Ring{30.0, 5}};
  return cfg;
}

double deg(double d) {
  return d * kPi / 180;
}

TEST(OrbitOverlap, HandComputedPositionsFullCircle) {
  const auto cfg = turntable_config();
  // Frame width at the near surface: (1 - 0.15) m * 36 / 50 = 0.612 m, which spans
  // 0.612 / 0.15 = 4.08 rad of the subject: more than the 60° (1.0472 rad) that still matches,
  // so the usable arc is 60°. At 75 % neighbours may differ by 0.25 * 60° = 15°: 360 / 15 = 24.
  const double footprint = 0.85 * 0.72;
  ASSERT_GT(footprint / 0.15, deg(60));
  const double max_step = 0.25 * 60.0;
  const int expected = static_cast<int>(std::ceil(360.0 / max_step - 1e-9));
  ASSERT_EQ(expected, 24);
  auto n = positions_for_overlap(cfg.lens, cfg.orbit, 0.0);
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(*n, expected);

  // 24 positions: 15° steps, overlap exactly 1 - 15/60 = 0.75.
  const double at24 = orbit_overlap(cfg.lens, cfg.orbit, 0.0, 360.0 / 24);
  EXPECT_NEAR(at24, 1 - deg(15) / deg(60), 1e-12);
  EXPECT_GE(at24, cfg.orbit.target_overlap - 1e-12);
  // One fewer falls below the target: 15.652° steps, 1 - 15.652/60 = 0.7391.
  const double at23 = orbit_overlap(cfg.lens, cfg.orbit, 0.0, 360.0 / 23);
  EXPECT_NEAR(at23, 0.7391, 0.0001);
  EXPECT_LT(at23, cfg.orbit.target_overlap);
  // Steps of about 10° give about 83 %: what photogrammetry practice shoots.
  EXPECT_NEAR(orbit_overlap(cfg.lens, cfg.orbit, 0.0, 10.0), 1 - 10.0 / 60, 1e-12);
}

TEST(OrbitOverlap, SubjectOverfillingTheFrameIsLimitedByTheFrame) {
  auto cfg = turntable_config();
  cfg.orbit.subject_radius_m = 0.5;
  // Footprint (1 - 0.5) * 0.72 = 0.36 m spans 0.36 / 0.5 = 0.72 rad = 41.25° of the subject,
  // less than 60°: the arc is 41.25°, steps up to 10.31°, 360 / 10.31 = 34.9 -> 35.
  const double arc = 0.36 / 0.5;
  ASSERT_LT(arc, deg(60));
  const int expected = static_cast<int>(std::ceil(2 * kPi / (0.25 * arc)));
  ASSERT_EQ(expected, 35);
  auto n = positions_for_overlap(cfg.lens, cfg.orbit, 0.0);
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(*n, 35);
  EXPECT_NEAR(orbit_overlap(cfg.lens, cfg.orbit, 0.0, 360.0 / 35), 1 - deg(360.0 / 35) / arc,
              1e-12);
  EXPECT_GE(orbit_overlap(cfg.lens, cfg.orbit, 0.0, 360.0 / 35), 0.75);
  EXPECT_LT(orbit_overlap(cfg.lens, cfg.orbit, 0.0, 360.0 / 34), 0.75);
  // Here the view angle limit does not matter: widening it changes nothing.
  cfg.orbit.max_view_angle_deg = 120;
  EXPECT_EQ(*positions_for_overlap(cfg.lens, cfg.orbit, 0.0), 35);
}

TEST(OrbitOverlap, HigherTargetAndMaxViewAngle) {
  auto cfg = turntable_config();
  cfg.orbit.target_overlap = 0.9;
  // 10 % of 60° = 6° steps: 360 / 6 = 60 positions.
  auto n = positions_for_overlap(cfg.lens, cfg.orbit, 0.0);
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(*n, 60);
  EXPECT_LT(orbit_overlap(cfg.lens, cfg.orbit, 0.0, 360.0 / 59), 0.9);

  // A wider matching angle allows wider steps: 75 % of 90° leaves 22.5° -> 16 positions.
  cfg.orbit.target_overlap = 0.75;
  cfg.orbit.max_view_angle_deg = 90;
  n = positions_for_overlap(cfg.lens, cfg.orbit, 0.0);
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(*n, 16);
  EXPECT_LT(orbit_overlap(cfg.lens, cfg.orbit, 0.0, 360.0 / 15), 0.75);

  // An 85 mm lens: footprint 0.85 * 36/85 = 0.36 m, 0.36/0.15 = 2.4 rad, still above 90°.
  cfg.lens.focal_length_mm = 85;
  EXPECT_EQ(*positions_for_overlap(cfg.lens, cfg.orbit, 0.0), 16);
  // A 300 mm lens: footprint 0.102 m spans 0.68 rad = 38.96°: the frame limits the arc,
  // steps up to 9.74°, 36.96 -> 37 positions.
  cfg.lens.focal_length_mm = 300;
  const double arc = 0.85 * 36 / 300 / 0.15;
  ASSERT_EQ(static_cast<int>(std::ceil(2 * kPi / (0.25 * arc))), 37);
  EXPECT_EQ(*positions_for_overlap(cfg.lens, cfg.orbit, 0.0), 37);
}

TEST(OrbitOverlap, ElevationReducesPositions) {
  const auto cfg = turntable_config();
  auto at0 = positions_for_overlap(cfg.lens, cfg.orbit, 0.0);
  auto at30 = positions_for_overlap(cfg.lens, cfg.orbit, 30.0);
  auto at60 = positions_for_overlap(cfg.lens, cfg.orbit, 60.0);
  auto below = positions_for_overlap(cfg.lens, cfg.orbit, -60.0);
  ASSERT_TRUE(at0.ok() && at30.ok() && at60.ok() && below.ok());
  // The view turns by step x cos(el): cos 30 = 0.866 allows 15 / 0.866 = 17.32° steps,
  // 360 / 17.32 = 20.78 -> 21; cos 60 = 0.5 allows 30° -> 12.
  EXPECT_EQ(*at30, static_cast<int>(std::ceil(360.0 / (15.0 / std::cos(deg(30))))));
  EXPECT_EQ(*at30, 21);
  EXPECT_EQ(*at60, 12);
  EXPECT_LT(*at30, *at0);
  EXPECT_LT(*at60, *at30);
  EXPECT_EQ(*below, *at60);  // looking up from below is symmetric
  EXPECT_LT(orbit_overlap(cfg.lens, cfg.orbit, 30.0, 360.0 / 20), 0.75);
  EXPECT_LT(orbit_overlap(cfg.lens, cfg.orbit, 60.0, 360.0 / 11), 0.75);
}

TEST(OrbitOverlap, StraightDownIsOnePosition) {
  const auto cfg = turntable_config();
  auto n = positions_for_overlap(cfg.lens, cfg.orbit, 90.0);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1);
  EXPECT_DOUBLE_EQ(orbit_overlap(cfg.lens, cfg.orbit, 90.0, 360.0), 1.0);
}

TEST(OrbitOverlap, PartialArcIsSpannedInclusively) {
  auto cfg = turntable_config();
  cfg.orbit.coverage_deg = 180;
  // 180° in steps of at most 15°: 12 steps -> 13 positions, 15° apart.
  auto n = positions_for_overlap(cfg.lens, cfg.orbit, 0.0);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 13);
  auto plan = make_plan(cfg);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  ASSERT_EQ(plan->shots.size(), 13u);
  EXPECT_DOUBLE_EQ(plan->rings[0].step_deg, 15.0);
  EXPECT_DOUBLE_EQ(plan->shots.front().position.azimuth_deg, 0.0);
  EXPECT_DOUBLE_EQ(plan->shots.back().position.azimuth_deg, 180.0);
  EXPECT_GE(plan->rings[0].overlap_achieved, 0.75 - 1e-12);
  EXPECT_LT(orbit_overlap(cfg.lens, cfg.orbit, 0.0, 180.0 / 11), 0.75);  // 12 fall short

  // A 10° arc is within one view's reach (1 - 10/60 = 83 %): one position. A 20° arc is not,
  // and its two ends 20° apart fall short too (67 %): three positions, 10° apart.
  cfg.orbit.coverage_deg = 10;
  EXPECT_EQ(*positions_for_overlap(cfg.lens, cfg.orbit, 0.0), 1);
  cfg.orbit.coverage_deg = 20;
  EXPECT_EQ(*positions_for_overlap(cfg.lens, cfg.orbit, 0.0), 3);
}

TEST(MakePlan, RingsComputedAndGiven) {
  const auto cfg = lit_config();
  auto plan = make_plan(cfg);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  ASSERT_EQ(plan->rings.size(), 2u);
  EXPECT_EQ(plan->rings[0].positions, 24);
  EXPECT_FALSE(plan->rings[0].counts_given);
  EXPECT_NEAR(plan->rings[0].step_deg, 15.0, 1e-12);
  EXPECT_NEAR(plan->rings[0].overlap_achieved, 0.75, 1e-12);
  EXPECT_EQ(plan->rings[1].positions, 5);
  EXPECT_TRUE(plan->rings[1].counts_given);
  EXPECT_DOUBLE_EQ(plan->rings[1].step_deg, 72.0);
  EXPECT_EQ(plan->positions(), 29u);
  EXPECT_EQ(plan->shots.size(), 29u * 3 * 3);
  EXPECT_THAT(plan->presets, ::testing::ElementsAre("key", "key_fill", "rim"));
  // Field of view of 36 x 24 mm behind 50 mm: 2 atan(18/50), 2 atan(12/50).
  EXPECT_NEAR(plan->horizontal_fov_deg, 39.5978, 1e-3);
  EXPECT_NEAR(plan->vertical_fov_deg, 26.9915, 1e-3);
}

TEST(MakePlan, EveryCombinationOnceWithSequentialSeq) {
  const auto cfg = lit_config();
  auto plan = make_plan(cfg);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  std::set<std::tuple<int, int, std::string, int>> seen;
  for (size_t i = 0; i < plan->shots.size(); ++i) {
    const auto& s = plan->shots[i];
    EXPECT_EQ(s.seq, i);
    EXPECT_TRUE(seen.emplace(s.position.ring, s.position.index_in_ring, s.position.light,
                             s.position.bracket_step)
                    .second);
    EXPECT_DOUBLE_EQ(s.position.ev_offset, cfg.brackets.ev[s.position.bracket_step]);
    EXPECT_DOUBLE_EQ(s.exposure.shutter_s, (1.0 / 125) * std::exp2(s.position.ev_offset));
    EXPECT_DOUBLE_EQ(s.exposure.aperture, 8);
    EXPECT_EQ(s.exposure.iso, 100);
    const int settle = s.position.light == "key" ? 150 : s.position.light == "key_fill" ? 200 : 80;
    EXPECT_EQ(s.light_settle_ms, settle);
    EXPECT_DOUBLE_EQ(s.position.elevation_deg, s.position.ring == 0 ? 0.0 : 30.0);
    const double step = s.position.ring == 0 ? 15.0 : 72.0;
    EXPECT_NEAR(s.position.azimuth_deg, s.position.index_in_ring * step, 1e-9);
  }
  EXPECT_EQ(seen.size(), 29u * 3 * 3);
}

TEST(MakePlan, SerpentineOrderMinimisesMovesAndSwitches) {
  const auto cfg = lit_config();
  auto plan = make_plan(cfg);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  const size_t positions = plan->positions();
  const size_t presets = plan->presets.size();
  size_t moves = 0, switches = 0, bracket_runs_broken = 0;
  for (size_t i = 1; i < plan->shots.size(); ++i) {
    const auto& a = plan->shots[i - 1].position;
    const auto& b = plan->shots[i].position;
    const bool moved = a.ring != b.ring || a.index_in_ring != b.index_in_ring;
    if (moved) ++moves;
    if (a.light != b.light) ++switches;
    // The light state never changes together with a move: the last preset of one position
    // is the first of the next.
    if (moved) {
      EXPECT_EQ(a.light, b.light) << "at shot " << i;
    }
    // Brackets of one (position, preset) are taken back to back.
    if (!moved && a.light == b.light && b.bracket_step != a.bracket_step + 1) {
      ++bracket_runs_broken;
    }
  }
  // Every position must be visited once (positions - 1 moves) and every preset lit at each
  // position (at least presets - 1 changes there): the order reaches both lower bounds.
  EXPECT_EQ(moves, positions - 1);
  EXPECT_EQ(switches, positions * (presets - 1));
  EXPECT_EQ(bracket_runs_broken, 0u);
  // Alternation: the first position starts with the first preset, the second with the last.
  EXPECT_EQ(plan->shots[0].position.light, "key");
  EXPECT_EQ(plan->shots[9].position.light, "rim");
  EXPECT_EQ(plan->shots[9].position.index_in_ring, 1);
}

TEST(MakePlan, StartAzimuthWraps) {
  auto cfg = turntable_config();
  cfg.orbit.start_azimuth_deg = 350;
  cfg.orbit.rings = {config::Ring{0.0, 4}};
  auto plan = make_plan(cfg);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  ASSERT_EQ(plan->shots.size(), 4u);
  EXPECT_DOUBLE_EQ(plan->shots[0].position.azimuth_deg, 350);
  EXPECT_DOUBLE_EQ(plan->shots[1].position.azimuth_deg, 80);
  EXPECT_DOUBLE_EQ(plan->shots[2].position.azimuth_deg, 170);
  EXPECT_DOUBLE_EQ(plan->shots[3].position.azimuth_deg, 260);
}

TEST(MakePlan, ImplicitAmbientPreset) {
  auto cfg = turntable_config();
  cfg.lighting.presets.clear();
  auto plan = make_plan(cfg);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_THAT(plan->presets, ::testing::ElementsAre("ambient"));
  for (const auto& s : plan->shots) {
    EXPECT_EQ(s.position.light, "ambient");
    EXPECT_EQ(s.light_settle_ms, 0);
  }
}

TEST(MakePlan, SinglePositionModes) {
  for (const char* mode_name : {"buttons", "single", "orbit-disabled"}) {
    const std::string mode = mode_name;
    auto cfg = lit_config();
    cfg.orbit.start_azimuth_deg = 45;
    cfg.orbit.rings = {config::Ring{20.0, std::nullopt}, config::Ring{40.0, 8}};
    if (mode == "orbit-disabled") {
      cfg.orbit.enabled = false;
    } else {
      cfg.session.mode = mode;
    }
    auto plan = make_plan(cfg);
    ASSERT_TRUE(plan.ok()) << mode << ": " << plan.error().message;
    EXPECT_EQ(plan->positions(), 1u) << mode;
    EXPECT_EQ(plan->shots.size(), 3u * 3) << mode;
    for (const auto& s : plan->shots) {
      EXPECT_DOUBLE_EQ(s.position.azimuth_deg, 45) << mode;
      EXPECT_DOUBLE_EQ(s.position.elevation_deg, 20) << mode;
    }
  }
}

void expect_invalid(const config::Config& cfg, const std::string& fragment) {
  auto plan = make_plan(cfg);
  ASSERT_FALSE(plan.ok()) << "expected an error mentioning: " << fragment;
  EXPECT_EQ(plan.error().code, Errc::invalid);
  EXPECT_THAT(plan.error().message, HasSubstr(fragment));
}

TEST(MakePlanErrors, ZeroPositions) {
  auto cfg = turntable_config();
  cfg.orbit.rings = {config::Ring{0.0, 0}};
  expect_invalid(cfg, "orbit.rings[0].positions is 0");
  cfg.orbit.rings.clear();
  expect_invalid(cfg, "orbit.rings is empty");
}

TEST(MakePlanErrors, OverlapUnreachable) {
  auto cfg = turntable_config();
  // Radius 0.9 m at 1 m: footprint 0.1 * 0.72 = 0.072 m spans 0.08 rad of the subject; 10 %
  // of it is 0.008 rad, 2 pi / 0.008 = 785.4 -> 786 positions, more than 720.
  cfg.orbit.subject_radius_m = 0.9;
  cfg.orbit.target_overlap = 0.9;
  expect_invalid(cfg, "more than 720 positions");
  expect_invalid(cfg, "the subject overfills the frame (0.072 m wide at its near surface");
  expect_invalid(cfg, "move the camera further away");
  // Just reachable: 0.0089 rad steps (89 % target) need 2 pi / 0.0088 = 714 positions.
  cfg.orbit.target_overlap = 0.89;
  EXPECT_EQ(*positions_for_overlap(cfg.lens, cfg.orbit, 0.0),
            static_cast<int>(std::ceil(2 * kPi / (0.11 * 0.08))));

  // Limited by the matching angle instead (only reachable from code, the config loader keeps
  // it within 10..120°): 10 % of 0.5° is 0.05° steps, 7200 positions.
  cfg = turntable_config();
  cfg.orbit.max_view_angle_deg = 0.5;
  cfg.orbit.target_overlap = 0.9;
  expect_invalid(cfg, "more than 720 positions");
  expect_invalid(cfg, "lower target_overlap or raise orbit.max_view_angle_deg");
  cfg.orbit.max_view_angle_deg = 0;
  expect_invalid(cfg, "orbit.max_view_angle_deg (0) must be within 0..360");

  cfg = turntable_config();
  cfg.orbit.subject_radius_m = 1.0;
  expect_invalid(cfg, "subject_radius_m (1 m) must be smaller than subject_distance_m (1 m)");
  // Even with positions given, a camera inside the subject is a config error.
  cfg.orbit.rings = {config::Ring{0.0, 36}};
  expect_invalid(cfg, "must be smaller than subject_distance_m");
}

TEST(MakePlanErrors, Brackets) {
  auto cfg = turntable_config();
  cfg.brackets.ev.clear();
  expect_invalid(cfg, "brackets.ev is empty");
  cfg.brackets.ev = {0, 5.5};
  expect_invalid(cfg, "brackets.ev[1] = 5.5 is beyond ±5 EV");
  cfg.brackets.ev = {-6};
  expect_invalid(cfg, "beyond ±5 EV");
  cfg.brackets.ev = {0, 1, 0};
  expect_invalid(cfg, "lists +0 twice");

  cfg = turntable_config();
  cfg.camera.exposure.shutter = "2";
  cfg.camera.exposure.shutter_s = 2.0;
  cfg.brackets.ev = {0, 4};  // 32 s
  expect_invalid(cfg, "longer than 30\"");
  cfg.brackets.ev = {0, 3.9};  // 29.9 s is allowed
  EXPECT_TRUE(make_plan(cfg).ok());

  cfg.camera.exposure.shutter = "1/8000";
  cfg.camera.exposure.shutter_s = 1.0 / 8000;
  cfg.brackets.ev = {-3};  // 1/64000
  expect_invalid(cfg, "shorter than 1/32000");
  cfg.brackets.ev = {-2};  // exactly 1/32000
  EXPECT_TRUE(make_plan(cfg).ok());

  cfg = turntable_config();
  cfg.camera.exposure.shutter = "60";
  cfg.camera.exposure.shutter_s = 60;
  expect_invalid(cfg, "camera.exposure.shutter \"60\" is outside 1/32000..30\"");
}

TEST(MakePlanErrors, UnknownLightInPreset) {
  auto cfg = lit_config();
  cfg.lighting.presets[1].on.push_back("kicker");
  expect_invalid(cfg, "lighting.presets \"key_fill\" switches on light \"kicker\"");
  expect_invalid(cfg, "known: back, fill_right, key_left");
}

TEST(MakePlanErrors, BadModeAndDuplicatePreset) {
  auto cfg = lit_config();
  cfg.session.mode = "timelapse";
  expect_invalid(cfg, "session.mode \"timelapse\"");
  cfg = lit_config();
  cfg.lighting.presets.push_back(config::LightingPreset{"key", {}, 0});
  expect_invalid(cfg, "preset \"key\" is listed twice");
}

TEST(DescribePlan, SaysWhatWillHappen) {
  const auto cfg = lit_config();
  auto plan = make_plan(cfg);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  const std::string text = describe_plan(*plan, cfg);
  EXPECT_THAT(text, HasSubstr("261 shots = 29 positions x 3 lighting presets x 3 brackets"));
  EXPECT_THAT(text, HasSubstr("field of view 39.6° x 27.0°"));
  EXPECT_THAT(text, HasSubstr("Overlap: target 75% of the subject surface both neighbours see; "
                              "one view matches 60.0° of it around the axis (limited by "
                              "max_view_angle_deg 60)"));
  EXPECT_THAT(text, HasSubstr("ring 0: elevation +0.0°, 24 positions, step 15.00°, view change "
                              "15.00°, overlap 75.0% (computed from target)"));
  // 5 given positions at 30°: 72° x cos 30° = 62.35° of view change, more than the 60° arc.
  EXPECT_THAT(text, HasSubstr("ring 1: elevation +30.0°, 5 positions, step 72.00°, view change "
                              "62.35°, overlap 0.0% (positions given)"));
  EXPECT_THAT(text, HasSubstr("key_fill: key_left, fill_right (settle 200 ms)"));
  EXPECT_THAT(text, HasSubstr("-1.0 EV (1/250), +0.0 EV (1/125), +1.0 EV (1/60)"));
  EXPECT_THAT(text, HasSubstr("28 turntable moves, 58 light changes"));
  EXPECT_THAT(text, HasSubstr("Estimated frames: 261"));
}

TEST(DescribePlan, SaysWhenTheFrameLimitsTheArc) {
  auto cfg = turntable_config();
  cfg.orbit.subject_radius_m = 0.5;
  cfg.orbit.rings = {config::Ring{0.0, std::nullopt}};
  auto plan = make_plan(cfg);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  const std::string text = describe_plan(*plan, cfg);
  // 0.36 m / 0.5 m = 0.72 rad = 41.25°; 360/35 = 10.29° steps, 1 - 10.29/41.25 = 75.1 %.
  EXPECT_THAT(text, HasSubstr("one view matches 41.3° of it around the axis (limited by the "
                              "frame, 0.360 m wide at the near surface)"));
  EXPECT_THAT(text, HasSubstr("35 positions, step 10.29°, view change 10.29°, overlap 75.1%"));
}

TEST(DescribePlan, ButtonsModeAndTopRing) {
  auto cfg = turntable_config();
  cfg.orbit.rings = {config::Ring{0.0, std::nullopt}, config::Ring{90.0, std::nullopt}};
  auto plan = make_plan(cfg);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_EQ(plan->rings[1].positions, 1);
  std::string text = describe_plan(*plan, cfg);
  EXPECT_THAT(text, HasSubstr("25 shots = 25 positions x 1 lighting preset x 1 bracket"));
  EXPECT_THAT(text, HasSubstr("ring 1: elevation +90.0°, 1 position (computed from target)"));
  EXPECT_THAT(text, HasSubstr("ambient: all lights off"));

  cfg.session.mode = "buttons";
  plan = make_plan(cfg);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  text = describe_plan(*plan, cfg);
  EXPECT_THAT(text, HasSubstr("1 shot per button press = 1 position"));
  EXPECT_THAT(text, HasSubstr("(session mode buttons)"));
  EXPECT_THAT(text, HasSubstr("0 turntable moves, 0 light changes"));
}

}  // namespace
}  // namespace tb::capture
