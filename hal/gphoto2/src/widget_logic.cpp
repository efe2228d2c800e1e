#include "tetherbox/hal/gphoto2/widget_logic.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace tb::hal::gphoto2_backend {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return {};
  size_t e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

bool contains(const std::string& s, const char* what) {
  return s.find(what) != std::string::npos;
}

// A whole-string number: "8", "5.6", "+0.7", "-1/3", "1/125". nullopt on any leftover text.
std::optional<double> parse_number_or_fraction(const std::string& text) {
  std::string s = trim(text);
  if (s.empty()) return std::nullopt;
  if (auto slash = s.find('/'); slash != std::string::npos) {
    auto num = parse_number_or_fraction(s.substr(0, slash));
    auto den = parse_number_or_fraction(s.substr(slash + 1));
    if (!num || !den || *den == 0.0) return std::nullopt;
    return *num / *den;
  }
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || *end != '\0' || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::string strip_prefix(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0 ? s.substr(prefix.size()) : s;
}

}  // namespace

const char* setting_label(Setting s) {
  switch (s) {
    case Setting::shutter:
      return "shutter speed";
    case Setting::aperture:
      return "aperture";
    case Setting::iso:
      return "ISO";
    case Setting::ev_comp:
      return "exposure compensation";
    case Setting::image_format:
      return "image format";
    case Setting::white_balance:
      return "white balance";
    case Setting::capture_target:
      return "capture target";
    case Setting::exposure_program:
      return "exposure program";
    case Setting::autofocus:
      return "autofocus";
    case Setting::focus_mode:
      return "focus mode";
    case Setting::datetime:
      return "date/time";
  }
  return "?";
}

const std::vector<std::string>& widget_aliases(Setting s) {
  static const std::vector<std::string> shutter{"shutterspeed", "shutterspeed2", "exposuretime"};
  static const std::vector<std::string> aperture{"f-number", "aperture"};
  static const std::vector<std::string> iso{"iso", "isospeed"};
  static const std::vector<std::string> ev{"exposurecompensation", "exposurecompensation2"};
  static const std::vector<std::string> format{"imageformat", "imagequality"};
  static const std::vector<std::string> wb{"whitebalance"};
  static const std::vector<std::string> target{"capturetarget"};
  static const std::vector<std::string> program{"expprogram", "exposureprogram", "autoexposuremode",
                                                "autoexposuremodedial"};
  static const std::vector<std::string> af{"autofocus"};
  static const std::vector<std::string> focus{"focusmode"};
  // The UTC clock first: Canon keeps local time in "datetime" and UTC in "datetimeutc".
  static const std::vector<std::string> datetime{"datetimeutc", "datetime"};
  switch (s) {
    case Setting::shutter:
      return shutter;
    case Setting::aperture:
      return aperture;
    case Setting::iso:
      return iso;
    case Setting::ev_comp:
      return ev;
    case Setting::image_format:
      return format;
    case Setting::white_balance:
      return wb;
    case Setting::capture_target:
      return target;
    case Setting::exposure_program:
      return program;
    case Setting::autofocus:
      return af;
    case Setting::focus_mode:
      return focus;
    case Setting::datetime:
      return datetime;
  }
  return shutter;
}

std::optional<FoundWidget> find_widget(CameraWidget* root, Setting s) {
  if (!root) return std::nullopt;
  for (const auto& name : widget_aliases(s)) {
    CameraWidget* w = nullptr;
    if (gp_widget_get_child_by_name(root, name.c_str(), &w) == GP_OK && w) {
      return FoundWidget{w, name};
    }
    // A single-config answer is the widget itself, not a tree around it.
    const char* own = nullptr;
    if (gp_widget_get_name(root, &own) == GP_OK && own && name == own)
      return FoundWidget{root, name};
  }
  return std::nullopt;
}

std::optional<std::string> widget_text(CameraWidget* w) {
  CameraWidgetType type;
  if (!w || gp_widget_get_type(w, &type) != GP_OK) return std::nullopt;
  switch (type) {
    case GP_WIDGET_TEXT:
    case GP_WIDGET_RADIO:
    case GP_WIDGET_MENU: {
      const char* v = nullptr;
      if (gp_widget_get_value(w, &v) != GP_OK || !v) return std::nullopt;
      return std::string(v);
    }
    case GP_WIDGET_RANGE: {
      float f = 0;
      if (gp_widget_get_value(w, &f) != GP_OK) return std::nullopt;
      return fmt::format("{:g}", f);
    }
    case GP_WIDGET_TOGGLE:
    case GP_WIDGET_DATE: {
      int i = 0;
      if (gp_widget_get_value(w, &i) != GP_OK) return std::nullopt;
      return std::to_string(i);
    }
    default:
      return std::nullopt;
  }
}

bool widget_has_choices(CameraWidget* w) {
  CameraWidgetType type;
  return w && gp_widget_get_type(w, &type) == GP_OK &&
         (type == GP_WIDGET_RADIO || type == GP_WIDGET_MENU);
}

std::vector<std::string> widget_choices(CameraWidget* w) {
  std::vector<std::string> out;
  if (!widget_has_choices(w)) return out;
  int n = gp_widget_count_choices(w);
  for (int i = 0; i < n; ++i) {
    const char* c = nullptr;
    if (gp_widget_get_choice(w, i, &c) == GP_OK && c) out.emplace_back(c);
  }
  return out;
}

std::optional<double> parse_shutter_choice(const std::string& text) {
  std::string s = lower(trim(text));
  if (s.empty() || is_auto_choice(s)) return std::nullopt;
  // "1/125", "0.0100s", "30\"", "0.5\"", "1\"3" (= 1.3 s), "2 sec"
  for (const char* suffix : {" sec", "sec", "s", "\""}) {
    std::string suf(suffix);
    if (s.size() > suf.size() && s.compare(s.size() - suf.size(), suf.size(), suf) == 0) {
      s = trim(s.substr(0, s.size() - suf.size()));
      break;
    }
  }
  std::replace(s.begin(), s.end(), '"', '.');
  auto v = parse_number_or_fraction(s);
  if (!v || *v <= 0) return std::nullopt;
  return v;
}

std::optional<double> parse_aperture_choice(const std::string& text) {
  std::string s = lower(trim(text));
  s = strip_prefix(strip_prefix(s, "f/"), "f");
  auto v = parse_number_or_fraction(s);
  if (!v || *v <= 0) return std::nullopt;
  return v;
}

std::optional<double> parse_iso_choice(const std::string& text) {
  std::string s = lower(trim(text));
  s = trim(strip_prefix(s, "iso"));
  auto v = parse_number_or_fraction(s);
  if (!v || *v <= 0) return std::nullopt;
  return v;
}

std::optional<double> parse_ev_choice(const std::string& text) {
  std::string s = lower(trim(text));
  s = trim(strip_prefix(s, "+"));
  // "+1 1/3" style (whole and fraction)
  if (auto sp = s.find(' '); sp != std::string::npos) {
    auto whole = parse_number_or_fraction(s.substr(0, sp));
    auto frac = parse_number_or_fraction(s.substr(sp + 1));
    if (!whole || !frac) return std::nullopt;
    return *whole < 0 ? *whole - *frac : *whole + *frac;
  }
  return parse_number_or_fraction(s);
}

std::optional<double> parse_choice(Setting s, const std::string& text) {
  switch (s) {
    case Setting::shutter:
      return parse_shutter_choice(text);
    case Setting::aperture:
      return parse_aperture_choice(text);
    case Setting::iso:
      return parse_iso_choice(text);
    case Setting::ev_comp:
      return parse_ev_choice(text);
    default:
      return std::nullopt;
  }
}

double distance_stops(Setting s, double a, double b) {
  switch (s) {
    case Setting::shutter:
    case Setting::iso:
      return std::fabs(std::log2(a / b));
    case Setting::aperture:
      return std::fabs(2.0 * std::log2(a / b));
    default:
      return std::fabs(a - b);
  }
}

std::string format_setting_value(Setting s, double v) {
  switch (s) {
    case Setting::shutter:
      if (v >= 0.3) return fmt::format("{:g} s", v);
      return fmt::format("1/{:g} s", std::round(1.0 / v));
    case Setting::aperture:
      return fmt::format("f/{:g}", std::round(v * 10) / 10);
    case Setting::iso:
      return fmt::format("ISO {:g}", std::round(v));
    case Setting::ev_comp:
      return fmt::format("{:+.1f} EV", v);
    default:
      return fmt::format("{:g}", v);
  }
}

Result<ChoicePick> pick_nearest(Setting s, const std::vector<std::string>& choices, double target,
                                double tolerance_stops, const std::string& camera,
                                const std::string& widget_name) {
  std::optional<ChoicePick> best;
  for (const auto& c : choices) {
    auto v = parse_choice(s, c);
    if (!v) continue;
    double d = distance_stops(s, *v, target);
    if (!best || d < best->distance_stops) best = ChoicePick{c, *v, d};
  }
  std::string listed = fmt::format("{}", fmt::join(choices, ", "));
  if (!best) {
    return make_error(Errc::invalid,
                      "{}: widget '{}' ({}) has no numeric choice for {}; available: {}", camera,
                      widget_name, setting_label(s), format_setting_value(s, target), listed);
  }
  if (best->distance_stops > tolerance_stops + 1e-9) {
    return make_error(Errc::invalid,
                      "{}: {} {} is not available on widget '{}' (nearest '{}' is {:.2f} stops "
                      "away, tolerance {:.2f}); available: {}",
                      camera, setting_label(s), format_setting_value(s, target), widget_name,
                      best->choice, best->distance_stops, tolerance_stops, listed);
  }
  return *best;
}

bool is_auto_choice(const std::string& value) {
  std::string v = lower(trim(value));
  return contains(v, "auto") || v == "awb" || contains(v, "awb ");
}

bool is_manual_program(const std::string& value) {
  std::string v = lower(trim(value));
  return v == "m" || v.rfind("m ", 0) == 0 || v.rfind("m(", 0) == 0 || contains(v, "manual");
}

namespace {

bool has_raw(const std::string& l) {
  for (const char* k : {"raw", "nef", "cr2", "cr3", "arw", "raf", "orf", "dng", "pef", "rw2"}) {
    if (contains(l, k)) return true;
  }
  return false;
}

bool has_jpeg(const std::string& l) {
  for (const char* k : {"jpeg", "jpg", "fine", "normal", "basic", "standard"}) {
    if (contains(l, k)) return true;
  }
  return false;
}

int quality_score(const std::string& l) {
  int score = 0;
  if (contains(l, "extra fine") || contains(l, "fine*") || contains(l, "fine star"))
    score += 5;
  else if (contains(l, "fine"))
    score += 4;
  if (contains(l, "normal") || contains(l, "standard")) score += 1;
  if (contains(l, "large")) score += 2;
  if (contains(l, "medium") || contains(l, "small") || contains(l, "s1") || contains(l, "s2")) {
    score -= 3;
  }
  // reduced RAW variants (Canon mRAW/sRAW, compressed cRAW) are not the full sensor data
  if (contains(l, "mraw") || contains(l, "sraw") || contains(l, "craw") || contains(l, "m-raw") ||
      contains(l, "s-raw")) {
    score -= 6;
  }
  return score;
}

}  // namespace

std::optional<std::string> pick_image_format(const std::vector<std::string>& choices,
                                             const std::string& format) {
  std::string f = lower(format);
  bool want_raw = f == "raw" || f == "raw+jpeg";
  bool want_jpeg = f == "jpeg" || f == "raw+jpeg";
  std::optional<std::string> best;
  int best_score = std::numeric_limits<int>::min();
  for (const auto& c : choices) {
    std::string l = lower(c);
    bool r = has_raw(l);
    bool j = has_jpeg(l) || (!r && !l.empty());  // a non-RAW format is a JPEG ("Large", "L")
    if (r && !j && (contains(l, "+") || contains(l, "&"))) j = true;  // "RAW + L"
    if (r != want_raw || j != want_jpeg) continue;
    if (contains(l, "heif") || contains(l, "hif") || contains(l, "tiff")) continue;
    int s = quality_score(l);
    if (s > best_score) {
      best_score = s;
      best = c;
    }
  }
  return best;
}

std::optional<std::string> pick_white_balance(const std::vector<std::string>& choices,
                                              double colour_temp_k) {
  struct Preset {
    const char* key;
    double kelvin;
  };
  static const Preset presets[] = {
      {"daylight", 5500},     {"sunny", 5500},       {"fine weather", 5500}, {"direct sun", 5500},
      {"flash", 5800},        {"cloudy", 6500},      {"shade", 7500},        {"tungsten", 3200},
      {"incandescent", 3200}, {"fluorescent", 4000},
  };
  std::optional<std::string> best;
  double best_d = std::numeric_limits<double>::max();
  for (const auto& c : choices) {
    std::string l = lower(c);
    if (is_auto_choice(l)) continue;
    for (const auto& p : presets) {
      if (!contains(l, p.key)) continue;
      // compare in mired: equal steps look equally different to the eye
      double d = std::fabs(1e6 / p.kelvin - 1e6 / colour_temp_k);
      if (d < best_d) {
        best_d = d;
        best = c;
      }
      break;
    }
  }
  return best;
}

std::optional<std::string> pick_capture_target(const std::vector<std::string>& choices,
                                               const std::string& target) {
  std::string t = lower(target);
  for (const auto& c : choices) {
    std::string l = lower(c);
    bool is_card = contains(l, "card") || l == "sd" || contains(l, "memory card");
    bool is_ram = !is_card && contains(l, "ram");
    if ((t == "card" && is_card) || (t == "ram" && is_ram)) return c;
  }
  return std::nullopt;
}

std::optional<std::string> pick_focus_off(const std::vector<std::string>& choices) {
  for (const auto& c : choices) {
    std::string l = lower(trim(c));
    if (l == "off" || l == "mf" || contains(l, "manual")) return c;
  }
  return std::nullopt;
}

}  // namespace tb::hal::gphoto2_backend
