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
#include "tetherbox/config/backends.hpp"
#include "tetherbox/config/config.hpp"
#include "tetherbox/config/load.hpp"

namespace tb::capture {

// A model/property release from metadata.releases, checked before the bag exists: a regular
// file (not followed to a device, FIFO or directory) of at most kMaxReleaseBytes whose content
// is a PDF, JPEG or PNG. Two releases with one file name from different folders are both kept:
// the second is stored as "<stem>-2<ext>", the third "-3", ... (in the order listed).
struct ReleaseFile {
  std::string source;       // path as configured
  std::string stored_name;  // file name under data/releases/, distinct within the session
  uint64_t size = 0;
  std::string type;  // "PDF", "JPEG", "PNG"
};
inline constexpr uint64_t kMaxReleaseBytes = 64ULL << 20;

// One device of the session and the backend that will drive it.
struct DeviceUse {
  std::string kind;     // camera, turntable, ...
  std::string backend;  // sim, gphoto2, none, ...
  bool simulated = false;
};

struct Preflight {
  Plan plan;
  NameTemplate name_template = *NameTemplate::parse("{seq}");
  // Frames the session will take: orbit = plan.shots.size(); buttons = shots per press x
  // session.max_brackets (0 when presses are unbounded).
  size_t planned_total = 0;
  std::vector<ReleaseFile> releases;

  // The proof: every name of names_checked frames rendered ({date}/{time} held constant, the
  // worst case) and distinct. Buttons mode with unbounded presses checks the first
  // presses_checked presses (as many as the shot cap allows).
  uint64_t names_checked = 0;
  uint64_t presses_checked = 0;  // buttons mode only
  std::string longest_name;
  // Size of the session on disk, estimated from the image size and format (sim) or a typical
  // body (real cameras: bytes_estimated_from_image is false).
  uint64_t bytes_per_frame = 0;
  uint64_t estimated_bytes = 0;
  bool bytes_estimated_from_image = false;
  std::vector<DeviceUse> devices;  // filled when a backend table was given
};

// Assumes every backend the config names can be made (configs built in code, tests).
Result<Preflight> preflight(const config::Config& cfg);
// Also refuses backends `built` cannot make and rigs they cannot move (as the runner would),
// and lists the devices with what is simulated.
Result<Preflight> preflight(const config::Config& cfg, const config::BackendTable& built);

// The same checks, for config::LoadOptions::more_checks: a failure names the config key it
// comes from, so the loader reports it at that key's file:line:col. `out` receives the result
// when there is no issue.
std::vector<config::KeyIssue> preflight_issues(const config::Config& cfg,
                                               const config::BackendTable* built,
                                               Preflight* out = nullptr);

}  // namespace tb::capture
