// The page's text: every string on it goes through esc() (HTML-escaped, and repaired when it
// is not UTF-8, since it comes from YAML, cameras and file names), every report.json value
// through readable().
#include <fmt/format.h>

#include <cmath>

#include "report_html_detail.hpp"
#include "tetherbox/capture/text_utf8.hpp"

namespace tb::capture::report_page {

std::string esc(const std::string& raw) {
  const std::string s = text::clean_utf8(raw);
  std::string o;
  o.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '<':
        o += "&lt;";
        break;
      case '>':
        o += "&gt;";
        break;
      case '&':
        o += "&amp;";
        break;
      case '"':
        o += "&quot;";
        break;
      case '\'':
        o += "&#39;";
        break;
      default:
        o += c;
    }
  }
  return o;
}

std::string num(double v) {
  if (!std::isfinite(v)) return "NaN";
  return fmt::format("{:.6g}", v);
}

// A value as a person reads it: an unmeasured one shows its reason ("not measured: no
// JPEG/preview"), never a number or a bare null that could pass for one.
std::string readable(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "none";
  if (v.is_object()) {
    if (v.size() == 1 && v.contains("not_measured") && v.at("not_measured").is_string()) {
      const std::string why = v.at("not_measured").get<std::string>();
      return why.rfind("not measured", 0) == 0 ? why : "not measured: " + why;
    }
    if (v.size() == 3 && v.contains("min") && v.contains("max") && v.contains("count"))
      return readable(v.at("min")) + " to " + readable(v.at("max")) + " (" +
             readable(v.at("count")) + " frames)";
    std::string out;
    for (const auto& [k, item] : v.items())
      out += (out.empty() ? "" : "; ") + k + " " + readable(item);
    return "{" + out + "}";
  }
  if (v.is_array()) {
    std::string out;
    for (const auto& item : v) out += (out.empty() ? "" : ", ") + readable(item);
    return "[" + out + "]";
  }
  return v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace tb::capture::report_page
