#pragma once
// Sharpness per frame, the same for every step of an exposure bracket: the mean square of the
// 4-neighbour Laplacian of log(green) - an EV step only adds a constant to a log, which the
// Laplacian cancels - over the photosites whose stencil is neither near the white level
// (clipping flattens edges) nor under a floor near black, less the part the frame's own noise
// contributes (measured from the cell's two green sites, per brightness, so the shot noise of
// a -2 EV frame does not read as detail). Held against the running median of the earlier
// sharp frames lit by the same preset: a frame well below it (a turntable that had not
// settled, a lens that lost focus) is marked blurred.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tetherbox/capture/quality_raw.hpp"
#include "tetherbox/capture/record.hpp"

namespace tb::capture::quality {

// nullopt when the plane is too small, black or clipped all over (nothing to measure).
std::optional<double> laplacian_sharpness(const Plane& p);

// The same measure taken while measure_raw reads the RAW (pass it as the GreenRows): each cell
// row is used as it comes - the log blocks and the noise sample need at most three rows - so
// the frame is read once and no full green plane is ever built. Gives exactly what
// laplacian_sharpness gives on the Plane measure_raw would have filled (that function is this
// meter fed from the plane).
class SharpnessMeter final : public GreenRows {
 public:
  SharpnessMeter();
  ~SharpnessMeter();
  SharpnessMeter(const SharpnessMeter&) = delete;
  SharpnessMeter& operator=(const SharpnessMeter&) = delete;
  void begin(const Shape& shape) override;
  // Rows y-1 and y-2 must still be readable where they were handed over.
  void row(int y, const float* v, const float* v2) override;
  // After the last row; nullopt as laplacian_sharpness, and when the rows stopped early (a
  // truncated RAW) or never began (no 2x2 pattern with green).
  std::optional<double> result();

 private:
  struct State;
  std::unique_ptr<State> s_;
};

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
