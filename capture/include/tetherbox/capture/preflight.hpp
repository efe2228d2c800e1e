#pragma once
// Everything a session needs decided before any device is touched or any bag exists: the plan,
// the name template, and the proof that the plan is runnable (names unique, within the caps).
// `tetherbox plan` and `tetherbox run` both go through here, so plan refuses what run refuses.
#include <cstddef>

#include "tetherbox/capture/naming.hpp"
#include "tetherbox/capture/plan.hpp"
#include "tetherbox/common/result.hpp"
#include "tetherbox/config/config.hpp"

namespace tb::capture {

struct Preflight {
  Plan plan;
  NameTemplate name_template = *NameTemplate::parse("{seq}");
  // Frames the session will take: orbit = plan.shots.size(); buttons = shots per press x
  // session.max_brackets (0 when presses are unbounded).
  size_t planned_total = 0;
};

Result<Preflight> preflight(const config::Config& cfg);

}  // namespace tb::capture
