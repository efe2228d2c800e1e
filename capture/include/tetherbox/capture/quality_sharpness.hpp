#pragma once
// Sharpness per frame: the variance of the 4-neighbour Laplacian of the RAW's green plane over
// its squared mean (so a bracket's EV step does not read as blur), held against the running
// median of the earlier sharp frames lit by the same preset. A frame well below that median
// (a turntable that had not settled, a lens that lost focus) is marked blurred.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tetherbox/capture/quality_raw.hpp"
#include "tetherbox/capture/record.hpp"

namespace tb::capture::quality {

// nullopt when the plane is too small or black (nothing to measure).
std::optional<double> laplacian_sharpness(const Plane& p);

class SharpnessWatch {
 public:
  // Frames per preset before a median is trusted.
  static constexpr size_t kMinHistory = 3;
  // The running median is over the last kWindow sharp frames of a preset: a window, not the
  // whole session, so the watch's memory does not grow with the frames (issue 9).
  static constexpr size_t kWindow = 101;
  explicit SharpnessWatch(double min_ratio) : min_ratio_(min_ratio) {}
  void seed(const std::vector<FrameRecord>& done);
  // Fills rec.median / ratio / blurred; returns the fault message for a blurred frame.
  std::optional<std::string> check(const std::string& light, SharpnessRecord& rec);

 private:
  double min_ratio_;
  void remember(const std::string& light, double value);
  std::map<std::string, std::vector<double>> sharp_;  // per preset, last frames not blurred
};

}  // namespace tb::capture::quality
