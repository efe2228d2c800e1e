#include "tetherbox/capture/quality_monitor.hpp"

#include <fmt/format.h>

namespace tb::capture::quality {

Monitor::Monitor(const config::Quality& cfg, const std::vector<FrameRecord>& done)
    : cfg_(cfg), optics_(cfg.focal_tolerance_mm) {
  optics_.seed(done);
  for (const auto& f : done)
    if (f.optics.changed) ++optics_changed_;
}

Verdict Monitor::on_captured(FrameRecord& r, const hal::CaptureResult& cap) {
  Verdict v;
  r.optics = read_optics(cap);
  std::lock_guard lk(mu_);
  if (auto fault = optics_.check(r.optics)) {
    ++optics_changed_;
    v.faults.push_back(*fault);
    if (cfg_.stop_on_optics_change)
      v.stop = Error{Errc::mismatch,
                     fmt::format("frame {} ({}): {}; stopped because "
                                 "quality.stop_on_optics_change is set",
                                 r.seq, r.name, *fault)};
  }
  return v;
}

std::string Monitor::live_summary() const {
  std::lock_guard lk(mu_);
  if (optics_changed_ == 0) return {};
  return fmt::format("optics changed on {}", optics_changed_);
}

}  // namespace tb::capture::quality
