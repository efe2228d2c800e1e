#include <fmt/format.h>

#include <cmath>

#include "tetherbox/capture/file_exposure.hpp"
#include "tetherbox/capture/quality_optics.hpp"

namespace tb::capture::quality {

OpticsRecord read_optics(const hal::CaptureResult& cap) {
  OpticsRecord rec;
  auto is_jpeg = [](const hal::CapturedFile& f) {
    return f.extension == "jpg" || f.extension == "jpeg";
  };
  // Two passes: the RAW is the original the dataset is built on, the JPEG the fallback.
  for (const bool want_jpeg : {false, true}) {
    for (const auto& f : cap.files) {
      if (is_jpeg(f) != want_jpeg) continue;
      auto fe = exposure_from_file(f.data);
      if (fe && fe->focal_length_mm) {
        rec.measured = true;
        rec.focal_length_mm = fe->focal_length_mm;
        rec.source = fe->source;
        return rec;
      }
    }
  }
  rec.reason = cap.files.empty() ? "no file to read" : "no focal length in the frame's Exif";
  return rec;
}

void OpticsWatch::seed(const std::vector<FrameRecord>& done) {
  const FrameRecord* first = nullptr;
  for (const auto& f : done)
    if (f.optics.measured && f.optics.focal_length_mm && (!first || f.seq < first->seq)) first = &f;
  if (first) reference_mm_ = first->optics.focal_length_mm;
}

std::optional<std::string> OpticsWatch::check(OpticsRecord& rec) {
  if (!rec.measured || !rec.focal_length_mm) return std::nullopt;
  if (!reference_mm_) reference_mm_ = rec.focal_length_mm;
  rec.reference_mm = reference_mm_;
  const double drift = *rec.focal_length_mm - *reference_mm_;
  rec.changed = std::abs(drift) > tolerance_mm_;
  if (!rec.changed) return std::nullopt;
  return fmt::format(
      "optics changed: focal length {:.1f} mm ({}) vs {:.1f} mm on the session's first frame "
      "({:+.1f} mm, tolerance {:g} mm): a zoom that crept or a lens that changed",
      *rec.focal_length_mm, rec.source, *reference_mm_, drift, tolerance_mm_);
}

}  // namespace tb::capture::quality
