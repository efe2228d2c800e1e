#pragma once
// Vendor-neutral handling of libgphoto2 config widgets: the same setting has different widget
// names per vendor (shutterspeed vs shutterspeed2, f-number vs aperture, iso vs isospeed …) and
// different spellings of its choices ("1/125", "0.0100s", "30\"", "f/8", "Auto ISO"). Pure
// logic over a CameraWidget tree, so it is unit-tested against recorded trees without a body.
#include <gphoto2/gphoto2-widget.h>

#include <optional>
#include <string>
#include <vector>

#include "tetherbox/common/result.hpp"

namespace tb::hal::gphoto2_backend {

enum class Setting {
  shutter,
  aperture,
  iso,
  ev_comp,
  image_format,
  white_balance,
  capture_target,
  exposure_program,
  autofocus,
  focus_mode,
  datetime,
};

const char* setting_label(Setting s);  // "shutter speed", "aperture", ... for messages

// Widget names tried in order; the first present in the tree wins.
const std::vector<std::string>& widget_aliases(Setting s);

// A widget of the tree (owned by the tree) with the name it was found under.
struct FoundWidget {
  CameraWidget* widget = nullptr;
  std::string name;
};
std::optional<FoundWidget> find_widget(CameraWidget* root, Setting s);

// Current value as text ("f/8", "0.0100s", "Manual"); nullopt for non-text types.
std::optional<std::string> widget_text(CameraWidget* w);
std::vector<std::string> widget_choices(CameraWidget* w);  // RADIO / MENU only
bool widget_has_choices(CameraWidget* w);

// Parsers for the choice spellings seen on Canon, Nikon, Sony, Fuji and ptp2's generic path.
// nullopt for entries that are not a number (Bulb, Time, Auto).
std::optional<double> parse_shutter_choice(const std::string& text);   // seconds
std::optional<double> parse_aperture_choice(const std::string& text);  // f-number
std::optional<double> parse_iso_choice(const std::string& text);       // ISO number
std::optional<double> parse_ev_choice(const std::string& text);        // stops
std::optional<double> parse_choice(Setting s, const std::string& text);

// Distance in stops between two values of a setting (ISO and shutter: log2 ratio; aperture:
// 2·log2 ratio of f-numbers; exposure compensation: difference).
double distance_stops(Setting s, double a, double b);

struct ChoicePick {
  std::string choice;  // the exact choice text to write
  double value = 0;    // what it means (seconds, f-number, ISO, stops)
  double distance_stops = 0;
};

// Nearest choice to `target` among `choices`; error (Errc::invalid) naming the camera, widget,
// value and the available choices when none lies within `tolerance_stops`.
Result<ChoicePick> pick_nearest(Setting s, const std::vector<std::string>& choices, double target,
                                double tolerance_stops, const std::string& camera,
                                const std::string& widget_name);

// Image format for "raw" | "jpeg" | "raw+jpeg" among a body's imageformat/imagequality choices
// (Canon "RAW + Large Fine JPEG", Nikon "NEF+Fine", Sony "RAW+JPEG"). Best quality JPEG wins.
std::optional<std::string> pick_image_format(const std::vector<std::string>& choices,
                                             const std::string& format);
// A fixed white balance (AWB off) near `colour_temp_k`: "Daylight" for ~5600 K, "Tungsten" for
// ~3200 K; never an auto choice.
std::optional<std::string> pick_white_balance(const std::vector<std::string>& choices,
                                              double colour_temp_k);
// "card" | "ram" among "Internal RAM" / "Memory card" (and vendor spellings).
std::optional<std::string> pick_capture_target(const std::vector<std::string>& choices,
                                               const std::string& target);
// A choice that switches autofocus / focus mode off ("Off", "Manual", "MF").
std::optional<std::string> pick_focus_off(const std::vector<std::string>& choices);
bool is_manual_program(const std::string& value);  // "M", "Manual", "M (Manual)"
bool is_auto_choice(const std::string& value);     // "Auto", "AWB", "Auto ISO"

// Formats for messages: "1/125 s", "0.5 s", "f/8", "ISO 100", "+0.3 EV".
std::string format_setting_value(Setting s, double v);

}  // namespace tb::hal::gphoto2_backend
