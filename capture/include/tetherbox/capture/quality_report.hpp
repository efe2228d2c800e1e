#pragma once
// The report's quality part, built one frame at a time (a session's frames need not be held):
// sharpness, retakes in place (which frame superseded which), and the checks that did not run
// on some frames, counted per check and reason.
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "tetherbox/capture/record.hpp"

namespace tb::capture::quality {

class ReportTally {
 public:
  void add(const FrameRecord& f);
  // {"sharpness": {...}, "retakes": {...}}
  nlohmann::json quality() const;
  // {"optics": {"no focal length in the frame's Exif": 3}, ...}; {} when every check ran.
  nlohmann::json checks_not_run() const;

 private:
  size_t measured_ = 0, blurred_ = 0, blurred_kept_ = 0;
  double ratio_lo_ = 0, ratio_hi_ = 0;
  size_t ratios_ = 0;
  nlohmann::json superseded_ = nlohmann::json::array();
  std::set<std::string> names_;
  std::map<std::string, std::map<std::string, size_t>> not_run_;
};

}  // namespace tb::capture::quality
