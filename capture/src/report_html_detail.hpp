#pragma once
// Pieces of the HTML shoot report (report_html*.cpp). Private to capture/src.
#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace tb::capture::report_page {

// What the page draws of one frame line: a few numbers, not the whole record, so a bag of
// 100 000 frames is streamed through a small footprint (only what a section reads: every
// field here costs its bytes once per frame at close).
struct FrameRow {
  uint64_t seq = 0;
  std::string name;
  int ring = 0;
  double azimuth_deg = 0, elevation_deg = 0;
  std::optional<double> t_s;  // trigger UTC, seconds since the epoch
  bool exposure_ok = true;
  uint32_t faults = 0;
  int attempts = 1;
  bool superseded = false;  // a later frame line took its place (kept in the bag)
  std::string preview;      // relative to data/, "" when none was made
  bool hist_measured = false;
  double clipped_high = 0, clipped_low = 0, mean = 0;
  bool raw_measured = false;
  double raw_high_max = 0;  // the highest of the R, G, B clipped-high fractions
  bool sharp_measured = false;
  // Why sharpness was not measured: one of a few texts, shared by every row that has it
  // (JournalView::texts), not a string per frame.
  const std::string* sharp_reason = nullptr;
  double sharpness = 0;
  std::optional<double> sharp_ratio;
  bool blurred = false;
  bool gps_fix = false;
  std::optional<double> temperature_c, humidity_pct, pressure_hpa;

  // "superseded", "fault", "retaken" or "ok": the colour a frame gets everywhere on the page.
  std::string status() const;
};

// A deque: no reallocation that holds the old and the new array at once, in a close whose
// rows are the largest thing it holds.
using Rows = std::deque<FrameRow>;

struct JournalView {
  Rows frames;                        // journal order
  std::set<std::string> texts;        // the rows' shared texts (nodes keep their address on a move)
  std::vector<std::string> problems;  // unreadable lines, a missing journal
  nlohmann::json releases = nlohmann::json::array();  // "release" lines
};

// Streams data/journal.jsonl of the bag line by line (never holding its text).
JournalView read_journal_view(const std::filesystem::path& bag_dir);

// ---- inline SVG charts (report_html_svg.cpp) ----
struct Point {
  double x = 0, y = 0;
  uint64_t seq = 0;
  std::string status;  // FrameRow::status(), or "" for a point that is no frame
  std::string tip;     // hover text
};
struct Series {
  std::string name;  // data-series
  std::string colour;
  std::vector<Point> points;
  bool line = false;  // joined by a polyline (a quantity over time), else dots
};
// An x/y chart. The <svg> carries data-chart=id, data-points (all series), data-x-min/-max and
// data-y-min/-max of the data; every point carries data-series, data-seq, data-x, data-y.
// y_floor/y_ceil widen the axis (not the data-* numbers) to include them.
std::string xy_chart(const std::string& id, const std::string& x_label, const std::string& y_label,
                     const std::vector<Series>& series,
                     std::optional<double> y_floor = std::nullopt,
                     std::optional<double> y_ceil = std::nullopt);
// The colour of a frame status.
const char* status_colour(const std::string& status);

std::string esc(const std::string& s);  // HTML text and attribute values
std::string num(double v);              // shortest readable form, for text and data-*
// A report.json value as a person reads it: an unmeasured one shows its reason, never a number
// or a bare null that could pass for one; a measured range reads "lo to hi (n frames)".
std::string readable(const nlohmann::json& v);

}  // namespace tb::capture::report_page
