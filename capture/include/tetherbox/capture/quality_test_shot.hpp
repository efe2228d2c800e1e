#pragma once
// The test shot before a locked sequence (exposure.test_shot): one frame measured on its RAW
// (per-channel clipping, the median of the green plane) and an exposure suggested from it. The
// suggestion moves the shutter only: the aperture holds the depth of field and the ISO the
// noise the dataset was planned with.
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "tetherbox/capture/record.hpp"
#include "tetherbox/config/config.hpp"
#include "tetherbox/hal/camera.hpp"

namespace tb::capture::quality {

struct TestShot {
  RawLevels levels;               // measured == false: no suggestion, `reason` says why
  std::optional<double> median;   // green plane median, fraction of white - black
  std::optional<double> ev;       // suggested change, in stops, rounded to 1/3
  bool clamped = false;           // |ev| was limited to exposure.max_adjust_ev
  hal::ExposureSettings current;  // what the test shot was taken with
  hal::ExposureSettings suggested;
  std::string reason;  // why there is no suggestion
};

TestShot assess_test_shot(const hal::CaptureResult& cap, const hal::ExposureSettings& current,
                          const config::ExposureCheck& ec, const config::Quality& q);

// The journal line {"type":"test_shot", ...}.
nlohmann::json to_json(const TestShot& t, uint64_t request_id, bool applied);

// Resume: the EV a test shot of this bag applied (its journal line), so the rest of the
// sequence is taken at the same exposure; nullopt when none was applied.
std::optional<double> applied_test_shot_ev(const std::vector<std::string>& journal_lines);

}  // namespace tb::capture::quality
