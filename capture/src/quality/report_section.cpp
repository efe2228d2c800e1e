#include <algorithm>

#include "tetherbox/capture/text_utf8.hpp"
#include "tetherbox/capture/quality_report.hpp"

namespace tb::capture::quality {

using nlohmann::json;

void ReportTally::add(const FrameRecord& f) {
  names_.insert(f.name);
  if (f.sharpness.measured) {
    ++measured_;
    if (f.sharpness.ratio) {
      const double r = *f.sharpness.ratio;
      ratio_lo_ = ratios_ ? std::min(ratio_lo_, r) : r;
      ratio_hi_ = ratios_ ? std::max(ratio_hi_, r) : r;
      ++ratios_;
    }
  }
  if (f.sharpness.blurred) {
    ++blurred_;
    if (f.superseded_by.empty()) ++blurred_kept_;
  }
  if (!f.superseded_by.empty())
    superseded_.push_back({{"frame", text::clean_utf8(f.name)},
                           {"seq", f.seq},
                           {"superseded_by", text::clean_utf8(f.superseded_by)}});
  for (const auto& [check, reason] : tb::capture::checks_not_run(f))
    ++not_run_[check][text::clean_utf8(reason)];
}

json ReportTally::quality() const {
  json sharp = {{"frames_measured", measured_}, {"frames_blurred", blurred_}};
  if (ratios_ > 0)
    sharp["ratio_to_median"] = {{"min", ratio_lo_}, {"max", ratio_hi_}, {"count", ratios_}};
  else
    sharp["ratio_to_median"] = {{"not_measured", "no frame had a running median to compare with"}};
  // A superseded frame whose retake is not in the bag: the session stopped in between and a
  // resume will take it.
  json list = superseded_;
  size_t pending = 0;
  for (auto& s : list) {
    const bool present = names_.count(s.at("superseded_by").get<std::string>()) > 0;
    s["retake_in_bag"] = present;
    if (!present) ++pending;
  }
  json retakes = {{"frames_superseded", superseded_.size()},
                  {"retakes_pending", pending},
                  {"blurred_not_retaken", blurred_kept_},
                  {"superseded", list}};
  return {{"sharpness", sharp}, {"retakes", retakes}};
}

json ReportTally::checks_not_run() const {
  json out = json::object();
  for (const auto& [check, reasons] : not_run_) {
    json r = json::object();
    for (const auto& [reason, n] : reasons) r[reason] = n;
    out[check] = r;
  }
  return out;
}

}  // namespace tb::capture::quality
