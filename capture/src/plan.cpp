#include "tetherbox/capture/plan.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <set>
#include <string>
#include <utility>

#include "tetherbox/capture/exposure.hpp"

namespace tb::capture {
namespace {

constexpr int kMaxPositionsPerRing = kPlanCaps.positions_per_ring;
constexpr double kMaxBracketEv = 5.0;
constexpr double kLongestShutterS = 30.0;
constexpr double kShortestShutterS = 1.0 / 32000.0;
constexpr const char* kAmbientPreset = "ambient";

double deg_to_rad(double deg) {
  return deg * std::numbers::pi / 180.0;
}
double rad_to_deg(double rad) {
  return rad * 180.0 / std::numbers::pi;
}

// cos(90°) in doubles is 6e-17, not 0: a camera looking straight down sees the subject turn
// in place and needs exactly one position.
double elevation_factor(double elevation_deg) {
  double c = std::cos(deg_to_rad(elevation_deg));
  return std::fabs(c) < 1e-9 ? 0.0 : std::fabs(c);
}

// Frame width at the near surface of the subject.
double footprint_m(const config::Lens& lens, const config::Orbit& orbit) {
  return (orbit.subject_distance_m - orbit.subject_radius_m) * lens.sensor_width_mm /
         lens.focal_length_mm;
}

// Arc of subject surface (radians around the axis) one view can match against its neighbour:
// the in-frame patch when the subject overfills the frame, else the foreshortening limit.
// A zero radius (a point on the axis) is limited by foreshortening alone.
struct UsableArc {
  double rad = 0;
  bool frame_limited = false;  // the frame, not max_view_angle_deg, sets the arc
};
UsableArc usable_arc(const config::Lens& lens, const config::Orbit& orbit) {
  const double view_limit = deg_to_rad(orbit.max_view_angle_deg);
  const double r = orbit.subject_radius_m;
  if (!(r > 0)) return {view_limit, false};
  const double in_frame = footprint_m(lens, orbit) / r;
  if (in_frame < view_limit) return {std::max(in_frame, 0.0), true};
  return {view_limit, false};
}

bool full_circle(const config::Orbit& orbit) {
  return orbit.coverage_deg >= 360.0 - 1e-9;
}

// Azimuth step for n positions: a full circle closes on itself (360/n); an arc is spanned
// inclusively, both ends included.
double step_for(const config::Orbit& orbit, int n) {
  if (full_circle(orbit)) return 360.0 / n;
  return n > 1 ? orbit.coverage_deg / (n - 1) : 0.0;
}

// The gap a single position has to cover: what neighbours are apart, or the whole arc.
double gap_for(const config::Orbit& orbit, int n) {
  if (n > 1 || full_circle(orbit)) return step_for(orbit, n);
  return orbit.coverage_deg;
}

double normalise_azimuth(double az) {
  double a = std::fmod(az, 360.0);
  if (a < 0) a += 360.0;
  if (a >= 360.0 - 1e-9) a = 0.0;
  return a;
}

Status check_lens(const config::Lens& lens) {
  if (!(lens.focal_length_mm > 0) || !(lens.sensor_width_mm > 0) || !(lens.sensor_height_mm > 0)) {
    return make_error(Errc::invalid,
                      "lens: focal_length_mm ({}), sensor_width_mm ({}) and sensor_height_mm "
                      "({}) must all be positive",
                      lens.focal_length_mm, lens.sensor_width_mm, lens.sensor_height_mm);
  }
  return ok_status();
}

Status check_orbit_geometry(const config::Lens& lens, const config::Orbit& orbit) {
  TB_TRY(check_lens(lens));
  if (!(orbit.subject_distance_m > 0) || !(orbit.subject_radius_m >= 0)) {
    return make_error(Errc::invalid,
                      "orbit: subject_distance_m ({}) must be positive and subject_radius_m "
                      "({}) not negative",
                      orbit.subject_distance_m, orbit.subject_radius_m);
  }
  if (orbit.subject_radius_m >= orbit.subject_distance_m) {
    return make_error(Errc::invalid,
                      "orbit: subject_radius_m ({} m) must be smaller than subject_distance_m "
                      "({} m): the camera would be inside the subject; measure the distance "
                      "from the camera to the turntable axis",
                      orbit.subject_radius_m, orbit.subject_distance_m);
  }
  if (!(orbit.max_view_angle_deg > 0) || orbit.max_view_angle_deg > 360.0) {
    return make_error(Errc::invalid,
                      "orbit.max_view_angle_deg ({}) must be within 0..360 (60 suits most "
                      "subjects)",
                      orbit.max_view_angle_deg);
  }
  if (!(orbit.coverage_deg >= 0) || orbit.coverage_deg > 360.0) {
    return make_error(Errc::invalid, "orbit: coverage_deg ({}) must be within 0..360",
                      orbit.coverage_deg);
  }
  return ok_status();
}

struct PresetPlan {
  std::string name;
  std::vector<std::string> on;
  int settle_ms = 0;
};

Result<std::vector<PresetPlan>> plan_presets(const config::Lighting& lighting) {
  std::vector<PresetPlan> out;
  if (lighting.presets.empty()) {
    // Nothing to switch: one implicit preset with every light off.
    out.push_back(PresetPlan{kAmbientPreset, {}, 0});
    return out;
  }
  if (lighting.presets.size() > kPlanCaps.presets) {
    return make_error(Errc::invalid, "lighting.presets has {} presets; expected at most {}",
                      lighting.presets.size(), kPlanCaps.presets);
  }
  std::set<std::string> lights;
  for (const auto& l : lighting.lights) lights.insert(l.name);
  std::set<std::string> seen;
  for (size_t i = 0; i < lighting.presets.size(); ++i) {
    const auto& p = lighting.presets[i];
    if (p.name.empty()) {
      return make_error(Errc::invalid, "lighting.presets[{}] has no name", i);
    }
    if (!seen.insert(p.name).second) {
      return make_error(Errc::invalid,
                        "lighting.presets: preset \"{}\" is listed twice; preset names must be "
                        "unique (they name the files)",
                        p.name);
    }
    if (p.settle_ms < 0) {
      return make_error(Errc::invalid, "lighting.presets \"{}\": settle_ms ({}) is negative",
                        p.name, p.settle_ms);
    }
    for (const auto& l : p.on) {
      if (!lights.count(l)) {
        std::string known;
        for (const auto& k : lights) known += (known.empty() ? "" : ", ") + k;
        return make_error(Errc::invalid,
                          "lighting.presets \"{}\" switches on light \"{}\", which is not in "
                          "lighting.lights (known: {})",
                          p.name, l, known.empty() ? "none" : known);
      }
    }
    out.push_back(PresetPlan{p.name, p.on, p.settle_ms});
  }
  return out;
}

Status check_base_exposure(const config::Exposure& e) {
  if (!(e.shutter_s > 0) || !std::isfinite(e.shutter_s)) {
    return make_error(Errc::invalid, "camera.exposure.shutter \"{}\" is not a positive time",
                      e.shutter);
  }
  if (e.shutter_s > kLongestShutterS * 1.0001 || e.shutter_s < kShortestShutterS / 1.0001) {
    return make_error(Errc::invalid,
                      "camera.exposure.shutter \"{}\" is outside 1/32000..30\" (bulb is not "
                      "supported)",
                      e.shutter);
  }
  if (!(e.aperture > 0)) {
    return make_error(Errc::invalid, "camera.exposure.aperture ({}) must be positive", e.aperture);
  }
  if (e.iso < 0) {
    return make_error(Errc::invalid, "camera.exposure.iso ({}) must not be negative", e.iso);
  }
  return ok_status();
}

Status check_brackets(const std::vector<double>& evs, const hal::ExposureSettings& base) {
  if (evs.empty()) {
    return make_error(Errc::invalid,
                      "brackets.ev is empty: list at least one EV offset, e.g. [0] for no "
                      "bracketing or [-1, 0, 1]");
  }
  if (evs.size() > kPlanCaps.brackets) {
    return make_error(Errc::invalid, "brackets.ev has {} steps; expected at most {}", evs.size(),
                      kPlanCaps.brackets);
  }
  for (size_t i = 0; i < evs.size(); ++i) {
    double ev = evs[i];
    if (!std::isfinite(ev) || std::fabs(ev) > kMaxBracketEv) {
      return make_error(Errc::invalid,
                        "brackets.ev[{}] = {} is beyond ±{} EV; use a different base exposure "
                        "instead of such a large offset",
                        i, ev, kMaxBracketEv);
    }
    double t = apply_ev_offset(base, ev).shutter_s;
    // Slack of a hair so a bracket landing exactly on a limit (30" or 1/32000) is allowed.
    if (t > kLongestShutterS * 1.0001) {
      return make_error(Errc::invalid,
                        "brackets.ev[{}] = {:+g} makes the shutter {} from {}: longer than "
                        "30\" (bulb is not supported); use a wider aperture or higher ISO",
                        i, ev, format_shutter(t), format_shutter(base.shutter_s));
    }
    if (t < kShortestShutterS / 1.0001) {
      return make_error(Errc::invalid,
                        "brackets.ev[{}] = {:+g} makes the shutter {} from {}: shorter than "
                        "1/32000; use a smaller aperture or lower ISO",
                        i, ev, format_shutter(t), format_shutter(base.shutter_s));
    }
  }
  // Sorted neighbours find a repeat in n log n (the count is capped above, but stays cheap).
  std::vector<std::pair<double, size_t>> sorted;
  for (size_t i = 0; i < evs.size(); ++i) sorted.emplace_back(evs[i], i);
  std::sort(sorted.begin(), sorted.end());
  for (size_t k = 1; k < sorted.size(); ++k) {
    if (std::fabs(sorted[k].first - sorted[k - 1].first) < 1e-9) {
      const auto [j, i] = std::minmax(sorted[k - 1].second, sorted[k].second);
      return make_error(Errc::invalid,
                        "brackets.ev lists {:+g} twice (entries {} and {}); each bracket "
                        "must differ or the frames cannot be told apart",
                        evs[i], j, i);
    }
  }
  return ok_status();
}

Result<RingPlan> plan_ring(const config::Config& cfg, size_t index, bool warn) {
  const auto& ring = cfg.orbit.rings[index];
  if (!std::isfinite(ring.elevation_deg) || std::fabs(ring.elevation_deg) > 90.0) {
    return make_error(Errc::invalid, "orbit.rings[{}].elevation_deg ({}) must be within -90..90",
                      index, ring.elevation_deg);
  }
  RingPlan rp;
  rp.ring = static_cast<int>(index);
  rp.elevation_deg = ring.elevation_deg;
  if (ring.positions) {
    if (*ring.positions <= 0) {
      return make_error(Errc::invalid,
                        "orbit.rings[{}].positions is {}: a ring needs at least one position "
                        "(omit positions to compute it from target_overlap)",
                        index, *ring.positions);
    }
    if (*ring.positions > kMaxPositionsPerRing) {
      return make_error(Errc::invalid, "orbit.rings[{}].positions is {}: at most {} per ring",
                        index, *ring.positions, kMaxPositionsPerRing);
    }
    rp.positions = *ring.positions;
    rp.counts_given = true;
  } else {
    auto n = positions_for_overlap(cfg.lens, cfg.orbit, ring.elevation_deg);
    if (!n) {
      return make_error(Errc::invalid, "orbit.rings[{}]: {}", index, n.error().message);
    }
    rp.positions = *n;
  }
  rp.step_deg = step_for(cfg.orbit, rp.positions);
  rp.overlap_achieved =
      orbit_overlap(cfg.lens, cfg.orbit, ring.elevation_deg, gap_for(cfg.orbit, rp.positions));
  if (warn && rp.counts_given && rp.overlap_achieved < cfg.orbit.target_overlap) {
    spdlog::warn(
        "orbit ring {} (elevation {}°): {} positions give {:.0f}% overlap, below the "
        "{:.0f}% target",
        index, ring.elevation_deg, rp.positions, rp.overlap_achieved * 100.0,
        cfg.orbit.target_overlap * 100.0);
  }
  return rp;
}

// Turntable moves and light-state changes along the shot order, as `describe_plan` reports.
std::pair<size_t, size_t> count_moves_and_switches(const Plan& plan) {
  size_t moves = 0, switches = 0;
  for (size_t i = 1; i < plan.shots.size(); ++i) {
    const auto& a = plan.shots[i - 1].position;
    const auto& b = plan.shots[i].position;
    if (a.ring != b.ring || a.index_in_ring != b.index_in_ring) ++moves;
    if (a.light != b.light) ++switches;
  }
  return {moves, switches};
}

}  // namespace

size_t Plan::positions() const {
  std::set<std::pair<int, int>> seen;
  for (const auto& s : shots) seen.emplace(s.position.ring, s.position.index_in_ring);
  return seen.size();
}

double orbit_overlap(const config::Lens& lens, const config::Orbit& orbit, double elevation_deg,
                     double step_deg) {
  const double arc = usable_arc(lens, orbit).rad;
  // No usable arc (camera inside the subject, or a nonsense lens): nothing overlaps.
  if (!(arc > 0)) return 0.0;
  const double view_change = deg_to_rad(step_deg) * elevation_factor(elevation_deg);
  // Neighbours further apart than the arc share no surface: no overlap, not a negative one.
  return std::max(0.0, 1.0 - view_change / arc);
}

Result<int> positions_for_overlap(const config::Lens& lens, const config::Orbit& orbit,
                                  double elevation_deg) {
  TB_TRY(check_orbit_geometry(lens, orbit));
  const double target = orbit.target_overlap;
  if (!(target > 0.0 && target < 1.0)) {
    return make_error(Errc::invalid, "orbit.target_overlap ({}) must be a fraction between 0 and 1",
                      target);
  }
  if (elevation_factor(elevation_deg) == 0.0 || orbit.coverage_deg == 0.0) return 1;

  const UsableArc arc = usable_arc(lens, orbit);
  // What to change depends on what limits the arc: the frame (too close or too long a lens)
  // or foreshortening (only a lower target or a wider matching angle help).
  const std::string advice =
      arc.frame_limited ? fmt::format(
                              "the subject overfills the frame ({:.3f} m wide at its near surface, "
                              "{:.1f}° of it): move the camera further away, use a shorter focal "
                              "length or lower target_overlap",
                              footprint_m(lens, orbit), rad_to_deg(arc.rad))
                        : std::string("lower target_overlap or raise orbit.max_view_angle_deg");

  // Smallest n whose gap keeps overlap >= target: closed form first, then settle rounding
  // either way against the model itself.
  const double max_gap_rad = (1.0 - target) * arc.rad / elevation_factor(elevation_deg);
  const double arcs = deg_to_rad(orbit.coverage_deg) / max_gap_rad;
  double estimate = full_circle(orbit) ? std::ceil(arcs) : std::ceil(arcs) + 1.0;
  if (!std::isfinite(estimate) || estimate > kMaxPositionsPerRing + 1) {
    return make_error(Errc::invalid,
                      "{:.0f}% overlap at elevation {}° needs more than {} positions per ring "
                      "(subject radius {} m at {} m with a {} mm lens): {}",
                      target * 100.0, elevation_deg, kMaxPositionsPerRing, orbit.subject_radius_m,
                      orbit.subject_distance_m, lens.focal_length_mm, advice);
  }
  int n = std::max(1, static_cast<int>(estimate));
  auto meets = [&](int k) {
    return orbit_overlap(lens, orbit, elevation_deg, gap_for(orbit, k)) >= target - 1e-12;
  };
  while (!meets(n) && n <= kMaxPositionsPerRing) ++n;
  while (n > 1 && meets(n - 1)) --n;
  if (n > kMaxPositionsPerRing) {
    return make_error(Errc::invalid,
                      "{:.0f}% overlap at elevation {}° needs {} positions per ring, more than "
                      "{}: {}",
                      target * 100.0, elevation_deg, n, kMaxPositionsPerRing, advice);
  }
  return n;
}

Result<Plan> make_plan(const config::Config& cfg, bool warn) {
  const auto& mode = cfg.session.mode;
  if (mode != "orbit" && mode != "buttons" && mode != "single") {
    return make_error(Errc::invalid, "session.mode \"{}\" is not one of orbit, buttons, single",
                      mode);
  }
  Plan plan;
  const auto& lens = cfg.lens;
  TB_TRY(check_lens(lens));
  plan.horizontal_fov_deg =
      rad_to_deg(2.0 * std::atan(lens.sensor_width_mm / (2.0 * lens.focal_length_mm)));
  plan.vertical_fov_deg =
      rad_to_deg(2.0 * std::atan(lens.sensor_height_mm / (2.0 * lens.focal_length_mm)));

  const bool orbiting = cfg.orbit.enabled && mode == "orbit";
  if (orbiting) {
    if (cfg.orbit.rings.empty()) {
      return make_error(Errc::invalid,
                        "orbit.rings is empty: add at least one ring, e.g. "
                        "[{{elevation_deg: 0}}], or set orbit.enabled: false");
    }
    TB_TRY(check_orbit_geometry(lens, cfg.orbit));
    if (cfg.orbit.rings.size() > kPlanCaps.rings) {
      return make_error(Errc::invalid, "orbit.rings has {} rings; expected at most {}",
                        cfg.orbit.rings.size(), kPlanCaps.rings);
    }
    for (size_t i = 0; i < cfg.orbit.rings.size(); ++i) {
      auto rp = plan_ring(cfg, i, warn);
      if (!rp) return rp.error();
      plan.rings.push_back(*rp);
    }
  } else {
    // One position: the field kit or a single shot does not move.
    RingPlan rp;
    rp.elevation_deg = cfg.orbit.rings.empty() ? 0.0 : cfg.orbit.rings.front().elevation_deg;
    rp.positions = 1;
    rp.counts_given = true;
    plan.rings.push_back(rp);
  }

  auto presets = plan_presets(cfg.lighting);
  if (!presets) return presets.error();
  for (const auto& p : *presets) plan.presets.push_back(p.name);

  TB_TRY(check_base_exposure(cfg.camera.exposure));
  hal::ExposureSettings base;
  base.shutter_s = cfg.camera.exposure.shutter_s;
  base.aperture = cfg.camera.exposure.aperture;
  base.iso = cfg.camera.exposure.iso;
  base.ev_comp = 0.0;
  TB_TRY(check_brackets(cfg.brackets.ev, base));
  plan.brackets_ev = cfg.brackets.ev;

  // Counted before anything that size is allocated: each factor is bounded, the product is not.
  uint64_t total = 0;
  for (const auto& rp : plan.rings) total += static_cast<uint64_t>(rp.positions);
  for (const uint64_t factor :
       {static_cast<uint64_t>(presets->size()), static_cast<uint64_t>(plan.brackets_ev.size())}) {
    if (factor != 0 && total > kPlanCaps.shots / factor) {
      total = kPlanCaps.shots + 1;
      break;
    }
    total *= factor;
  }
  if (total > kPlanCaps.shots) {
    return make_error(Errc::invalid,
                      "the plan has more than {} shots ({} rings, {} lighting presets x {} "
                      "brackets); expected at most {}: use fewer rings, positions, presets or "
                      "brackets",
                      kPlanCaps.shots, plan.rings.size(), presets->size(), plan.brackets_ev.size(),
                      kPlanCaps.shots);
  }
  plan.shots.reserve(static_cast<size_t>(total));

  // Order: ring -> position -> preset -> bracket. The preset order alternates from one
  // position to the next (also across rings), so the light state at a move stays as it was.
  const double start = cfg.orbit.start_azimuth_deg;
  size_t global_position = 0;
  uint64_t seq = 0;
  const size_t np = presets->size();
  for (const auto& rp : plan.rings) {
    for (int i = 0; i < rp.positions; ++i, ++global_position) {
      const double az = normalise_azimuth(start + i * rp.step_deg);
      for (size_t k = 0; k < np; ++k) {
        const auto& preset = (*presets)[global_position % 2 == 0 ? k : np - 1 - k];
        for (size_t b = 0; b < plan.brackets_ev.size(); ++b) {
          PlannedShot shot;
          shot.seq = seq++;
          shot.position.ring = rp.ring;
          shot.position.index_in_ring = i;
          shot.position.azimuth_deg = az;
          shot.position.elevation_deg = rp.elevation_deg;
          shot.position.light = preset.name;
          shot.position.bracket_step = static_cast<int>(b);
          shot.position.ev_offset = plan.brackets_ev[b];
          shot.exposure = apply_ev_offset(base, plan.brackets_ev[b]);
          shot.light_settle_ms = preset.settle_ms;
          plan.shots.push_back(std::move(shot));
        }
      }
    }
  }
  if (plan.shots.empty()) {
    return make_error(Errc::invalid, "the plan has no shots: check orbit.rings and brackets.ev");
  }
  return plan;
}

std::string describe_plan(const Plan& plan, const config::Config& cfg) {
  std::string out;
  auto line = [&out](const std::string& s) {
    out += s;
    out += '\n';
  };
  const size_t positions = plan.positions();
  const bool per_press = cfg.session.mode == "buttons";
  line(fmt::format("Plan: {} shot{}{} = {} position{} x {} lighting preset{} x {} bracket{}",
                   plan.shots.size(), plan.shots.size() == 1 ? "" : "s",
                   per_press ? " per button press" : "", positions, positions == 1 ? "" : "s",
                   plan.presets.size(), plan.presets.size() == 1 ? "" : "s",
                   plan.brackets_ev.size(), plan.brackets_ev.size() == 1 ? "" : "s"));
  line(fmt::format("Lens: {:g} mm on a {:g} x {:g} mm sensor, field of view {:.1f}° x {:.1f}°",
                   cfg.lens.focal_length_mm, cfg.lens.sensor_width_mm, cfg.lens.sensor_height_mm,
                   plan.horizontal_fov_deg, plan.vertical_fov_deg));

  const bool orbiting = cfg.orbit.enabled && cfg.session.mode == "orbit";
  if (orbiting) {
    line(fmt::format("Orbit: subject radius {:g} m at {:g} m, coverage {:g}° from azimuth {:g}°",
                     cfg.orbit.subject_radius_m, cfg.orbit.subject_distance_m,
                     cfg.orbit.coverage_deg, cfg.orbit.start_azimuth_deg));
    const UsableArc arc = usable_arc(cfg.lens, cfg.orbit);
    const std::string limit =
        arc.frame_limited ? fmt::format("the frame, {:.3f} m wide at the near surface",
                                        footprint_m(cfg.lens, cfg.orbit))
                          : fmt::format("max_view_angle_deg {:g}", cfg.orbit.max_view_angle_deg);
    line(fmt::format(
        "Overlap: target {:.0f}% of the subject surface both neighbours see; one view matches "
        "{:.1f}° of it around the axis (limited by {}); neighbours differ by step x "
        "cos(elevation)",
        cfg.orbit.target_overlap * 100.0, rad_to_deg(arc.rad), limit));
    for (const auto& r : plan.rings) {
      const char* origin = r.counts_given ? "positions given" : "computed from target";
      if (r.positions == 1) {
        // One position has no neighbour: step and overlap say nothing useful.
        line(fmt::format("  ring {}: elevation {:+.1f}°, 1 position ({})", r.ring, r.elevation_deg,
                         origin));
        continue;
      }
      line(fmt::format(
          "  ring {}: elevation {:+.1f}°, {} positions, step {:.2f}°, view change {:.2f}°, "
          "overlap {:.1f}% ({})",
          r.ring, r.elevation_deg, r.positions, r.step_deg,
          r.step_deg * elevation_factor(r.elevation_deg), r.overlap_achieved * 100.0, origin));
    }
  } else {
    const auto& r = plan.rings.front();
    line(fmt::format("Position: one, azimuth {:g}°, elevation {:+.1f}° ({})",
                     cfg.orbit.start_azimuth_deg, r.elevation_deg,
                     cfg.orbit.enabled ? fmt::format("session mode {}", cfg.session.mode)
                                       : std::string("orbit disabled")));
  }

  line("Lighting presets:");
  for (const auto& name : plan.presets) {
    const config::LightingPreset* found = nullptr;
    for (const auto& p : cfg.lighting.presets) {
      if (p.name == name) found = &p;
    }
    if (!found) {
      line(fmt::format("  {}: all lights off", name));
      continue;
    }
    std::string lights;
    for (const auto& l : found->on) lights += (lights.empty() ? "" : ", ") + l;
    line(fmt::format("  {}: {} (settle {} ms)", name, lights.empty() ? "all lights off" : lights,
                     found->settle_ms));
  }

  std::string brackets;
  for (double ev : plan.brackets_ev) {
    hal::ExposureSettings base{cfg.camera.exposure.shutter_s, cfg.camera.exposure.aperture,
                               cfg.camera.exposure.iso, 0.0};
    brackets += fmt::format("{}{:+.1f} EV ({})", brackets.empty() ? "" : ", ", ev + 0.0,
                            format_shutter(apply_ev_offset(base, ev).shutter_s));
  }
  line(fmt::format("Brackets at f/{:g} ISO {}: {}", cfg.camera.exposure.aperture,
                   cfg.camera.exposure.iso, brackets));

  const auto [moves, switches] = count_moves_and_switches(plan);
  line(
      fmt::format("Order: ring, position, lighting preset (alternating direction per position), "
                  "bracket: {} turntable move{}, {} light change{}",
                  moves, moves == 1 ? "" : "s", switches, switches == 1 ? "" : "s"));
  const int files_per_frame = cfg.camera.format == "raw+jpeg" ? 2 : 1;
  line(fmt::format("Estimated frames: {}{} ({} file{} each, {} files)", plan.shots.size(),
                   per_press ? " per button press" : "", files_per_frame,
                   files_per_frame == 1 ? "" : "s", plan.shots.size() * files_per_frame));
  return out;
}

}  // namespace tb::capture
