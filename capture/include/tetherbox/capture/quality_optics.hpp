#pragma once
// Constant optics: every frame's focal length, read from the frame's own file, held against
// the session's first frame. A zoom ring that crept or a lens that was swapped mid-session
// makes frames whose intrinsics differ from the rest; that is a fault on the frame, found
// while the rig still stands.
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "tetherbox/capture/record.hpp"
#include "tetherbox/hal/camera.hpp"

namespace tb::capture::quality {

// The optics one capture reports, from its files' Exif (the RAW first, then the JPEG). Not
// measured (with the reason) when no file carries a focal length.
OpticsRecord read_optics(const hal::CaptureResult& cap);

class OpticsWatch {
 public:
  explicit OpticsWatch(double tolerance_mm) : tolerance_mm_(tolerance_mm) {}
  // Resume: the reference is the earliest frame (lowest seq) already in the bag that was
  // measured, so a resumed session is still held against its own first frame.
  void seed(const std::vector<FrameRecord>& done);
  // Sets rec.reference_mm and rec.changed. Returns the fault message for a changed frame. The
  // first measured frame becomes the reference.
  std::optional<std::string> check(OpticsRecord& rec);
  std::optional<double> reference_mm() const { return reference_mm_; }

 private:
  double tolerance_mm_;
  std::optional<double> reference_mm_;
};

}  // namespace tb::capture::quality
