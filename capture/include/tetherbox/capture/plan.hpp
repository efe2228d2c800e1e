#pragma once
// Sequence planning: rings (elevations) x positions per ring x lighting presets x exposure
// brackets, ordered to minimise turntable moves and light switches.
#include <cstdint>
#include <string>
#include <vector>

#include "tetherbox/capture/record.hpp"
#include "tetherbox/common/result.hpp"
#include "tetherbox/config/config.hpp"
#include "tetherbox/hal/camera.hpp"

namespace tb::capture {

// Limits of one plan, checked (arithmetically, before allocating) by make_plan and preflight
// and reported by `tetherbox plan`. Far above any real rig (36-360 frames per object), far
// below what would exhaust a Pi.
struct PlanCaps {
  uint64_t shots = 100000;  // frames in a session (orbit) or checked presses x group
  size_t rings = 64;
  int positions_per_ring = 720;
  size_t presets = 64;
  size_t brackets = 64;
  uint64_t bytes = 16ULL << 40;  // estimated session size
};
inline constexpr PlanCaps kPlanCaps{};

struct PlannedShot {
  uint64_t seq = 0;  // 0-based, the order shots are taken
  Position position;
  hal::ExposureSettings exposure;  // base exposure with the bracket's EV offset applied
  int light_settle_ms = 0;
};

struct RingPlan {
  int ring = 0;
  double elevation_deg = 0;
  int positions = 0;
  double step_deg = 0;          // azimuth step actually used
  double overlap_achieved = 0;  // between neighbours, from the overlap model
  bool counts_given = false;    // positions came from the config, not from overlap
};

struct Plan {
  std::vector<PlannedShot> shots;
  std::vector<RingPlan> rings;
  std::vector<std::string> presets;  // in the order used
  std::vector<double> brackets_ev;
  double horizontal_fov_deg = 0;
  double vertical_fov_deg = 0;
  size_t positions() const;  // distinct (ring, azimuth) positions
};

// Overlap model for an orbit. What matches between neighbouring views is the subject surface
// both see, not the frame (a subject narrower than the frame leaves it mostly background).
// One view sees a usable arc of surface, as an angle around the axis:
//   arc = min(footprint / r, max_view_angle)
// with footprint = (d - r) * sensor_w / f, the frame width at the near surface (a subject that
// overfills the frame shows only that patch), r the subject radius, d the camera-to-axis
// distance, and max_view_angle (orbit.max_view_angle_deg, default 60°) the widest arc that
// still matches: surface more than half of it off the view direction foreshortens too much.
// A turntable step at elevation el turns the view direction by step * cos(el), so
//   overlap = 1 - step_rad * cos(el) / arc.
// 50 mm full frame, r 0.15 m at 1 m: arc = min(4.08 rad, 60°) = 60°; 75 % allows a 15° view
// change: 24 positions level, 21 at 30°, 12 at 60°, 1 straight down.
double orbit_overlap(const config::Lens& lens, const config::Orbit& orbit, double elevation_deg,
                     double step_deg);
// Smallest number of positions giving >= target overlap over coverage_deg (a full circle
// closes on itself, an arc includes both ends); an error past 720 per ring.
Result<int> positions_for_overlap(const config::Lens& lens, const config::Orbit& orbit,
                                  double elevation_deg);

// Errors: zero positions, unreachable overlap, unknown preset lights, empty brackets…
// warn: log a ring whose given position count falls below the target overlap (once, when the
// session is planned; a report that re-plans a finished session passes false).
Result<Plan> make_plan(const config::Config& cfg, bool warn = true);

// Human-readable plan for `tetherbox plan`.
std::string describe_plan(const Plan& plan, const config::Config& cfg);

}  // namespace tb::capture
