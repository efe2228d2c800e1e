#pragma once
// Sequence planning: rings (elevations) x positions per ring x lighting presets x exposure
// brackets, ordered to minimise turntable moves and light switches.
#include <string>
#include <vector>

#include "tetherbox/capture/record.hpp"
#include "tetherbox/common/result.hpp"
#include "tetherbox/config/config.hpp"
#include "tetherbox/hal/camera.hpp"

namespace tb::capture {

struct PlannedShot {
  uint64_t seq = 0;                  // 0-based, the order shots are taken
  Position position;
  hal::ExposureSettings exposure;    // base exposure with the bracket's EV offset applied
  int light_settle_ms = 0;
};

struct RingPlan {
  int ring = 0;
  double elevation_deg = 0;
  int positions = 0;
  double step_deg = 0;               // azimuth step actually used
  double overlap_achieved = 0;       // between neighbours, from the overlap model
  bool counts_given = false;         // positions came from the config, not from overlap
};

struct Plan {
  std::vector<PlannedShot> shots;
  std::vector<RingPlan> rings;
  std::vector<std::string> presets;  // in the order used
  std::vector<double> brackets_ev;
  double horizontal_fov_deg = 0;
  double vertical_fov_deg = 0;
  size_t positions() const;          // distinct (ring, azimuth) positions
};

// Overlap model for an orbit: the near surface of the subject (radius r, axis at distance d)
// moves r*step*cos(elevation) across a footprint (d - r) * sensor_width / focal_length wide.
// overlap = 1 - r*step_rad*cos(el) / ((d - r) * sensor_w / f).
double orbit_overlap(const config::Lens& lens, const config::Orbit& orbit, double elevation_deg,
                     double step_deg);
// Largest number-of-positions-minimising count giving >= target overlap over coverage_deg.
Result<int> positions_for_overlap(const config::Lens& lens, const config::Orbit& orbit,
                                  double elevation_deg);

// Errors: zero positions, unreachable overlap, unknown preset lights, empty brackets…
Result<Plan> make_plan(const config::Config& cfg);

// Human-readable plan for `tetherbox plan`.
std::string describe_plan(const Plan& plan, const config::Config& cfg);

}  // namespace tb::capture
