// Shutter times as photographers write them.
#include <cctype>
#include <charconv>
#include <cmath>
#include <string>
#include <string_view>

#include "tetherbox/config/load.hpp"

namespace tb::config {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A plain positive decimal ("125", "0.5", "2.5"); no sign, exponent, inf or nan.
bool parse_plain_number(std::string_view s, double& out) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.')) return false;
  }
  const auto res = std::from_chars(s.data(), s.data() + s.size(), out);
  return res.ec == std::errc() && res.ptr == s.data() + s.size() && std::isfinite(out);
}

}  // namespace

Result<double> parse_shutter(const std::string& text) {
  const std::string_view s = trim(text);
  double value = 0.0;
  bool ok = false;
  if (const auto slash = s.find('/'); slash != std::string_view::npos) {
    double num = 0.0, den = 0.0;
    ok = parse_plain_number(trim(s.substr(0, slash)), num) &&
         parse_plain_number(trim(s.substr(slash + 1)), den) && den > 0.0;
    if (ok) value = num / den;
  } else if (!s.empty() && s.back() == '"') {
    // 1" is one second in camera notation.
    ok = parse_plain_number(trim(s.substr(0, s.size() - 1)), value);
  } else {
    ok = parse_plain_number(s, value);
  }
  if (!ok || !(value > 0.0)) {
    return make_error(Errc::invalid,
                      "'{}' is not a shutter time; expected a positive time in seconds such as "
                      "\"1/125\", \"2\", \"0.5\" or 1\"",
                      text);
  }
  return value;
}

}  // namespace tb::config
