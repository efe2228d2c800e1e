#pragma once
// Everything a session needs decided before any device is touched or any bag exists: the plan,
// the name template, and the proof that the plan is runnable (names unique, within the caps).
// `tetherbox plan` and `tetherbox run` both go through here, so plan refuses what run refuses.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "tetherbox/capture/naming.hpp"
#include "tetherbox/capture/plan.hpp"
#include "tetherbox/common/result.hpp"
#include "tetherbox/config/config.hpp"

namespace tb::capture {

// A model/property release from metadata.releases, checked before the bag exists: a regular
// file of a known type (by content), within the size cap, stored under a name no other release
// of the session has.
struct ReleaseFile {
  std::string source;       // path as configured
  std::string stored_name;  // file name under data/releases/, distinct within the session
  uint64_t size = 0;
};

struct Preflight {
  Plan plan;
  NameTemplate name_template = *NameTemplate::parse("{seq}");
  // Frames the session will take: orbit = plan.shots.size(); buttons = shots per press x
  // session.max_brackets (0 when presses are unbounded).
  size_t planned_total = 0;
  std::vector<ReleaseFile> releases;
};

Result<Preflight> preflight(const config::Config& cfg);

}  // namespace tb::capture
