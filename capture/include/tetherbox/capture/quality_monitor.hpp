#pragma once
// The session's quality checks in one place: each captured frame goes through on_captured()
// before it is made durable (on the bytes already in memory: the Exif of the frame's files, the
// RAW's CFA data), and live_summary() gives the progress line its words. Thread-safe: the
// quality stage (quality_stage.hpp) calls on_captured from its thread, the runner
// live_summary from the pipeline's.
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "tetherbox/capture/quality_optics.hpp"
#include "tetherbox/capture/quality_sharpness.hpp"
#include "tetherbox/capture/record.hpp"
#include "tetherbox/common/result.hpp"
#include "tetherbox/config/config.hpp"
#include "tetherbox/hal/camera.hpp"

namespace tb::capture::quality {

struct Verdict {
  std::vector<std::string> faults;    // to journal and record on the frame
  std::vector<std::string> warnings;  // thresholds crossed: journaled, the frame stays valid
  std::optional<Error> stop;          // the config asks to stop the session after this frame
  bool blurred = false;               // below quality.min_sharpness_ratio: a retake candidate
  std::string blur_fault;             // the blurred frame's fault, before its fate is known
};

class Monitor {
 public:
  // done: frames already in the bag (a resume), whose first frame stays the reference.
  Monitor(const config::Quality& cfg, const std::vector<FrameRecord>& done);
  Verdict on_captured(FrameRecord& r, const hal::CaptureResult& cap);
  // A blurred frame was retaken in place (counted for the progress line).
  void note_retaken();
  // "3 blurred, retaken; 0 clipped; optics changed on 2" (blur and clipping only once a RAW
  // was measured), or empty.
  std::string live_summary() const;

 private:
  config::Quality cfg_;
  mutable std::mutex mu_;
  OpticsWatch optics_;
  SharpnessWatch sharpness_;
  size_t blurred_ = 0;
  size_t retaken_ = 0;
  size_t optics_changed_ = 0;
  size_t raw_measured_ = 0;
  size_t clipped_ = 0;
};

}  // namespace tb::capture::quality
