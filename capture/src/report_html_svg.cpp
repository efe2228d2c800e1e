// Inline SVG charts for the report page: no script, no library, numbers in data-* attributes.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "report_html_detail.hpp"

namespace tb::capture::report_page {

namespace {
constexpr double kW = 760, kH = 240;                                // viewBox
constexpr double kLeft = 64, kRight = 16, kTop = 14, kBottom = 40;  // plot margins
}  // namespace

const char* status_colour(const std::string& status) {
  if (status == "ok") return "#2e7d32";
  if (status == "retaken") return "#ef8f00";
  if (status == "fault") return "#c62828";
  if (status == "superseded") return "#9e9e9e";
  return "#1565c0";
}

std::string xy_chart(const std::string& id, const std::string& x_label, const std::string& y_label,
                     const std::vector<Series>& series, std::optional<double> y_floor,
                     std::optional<double> y_ceil) {
  double x0 = std::numeric_limits<double>::infinity(), x1 = -x0, y0 = x0, y1 = -x0;
  size_t n = 0;
  for (const auto& s : series)
    for (const auto& p : s.points) {
      if (!std::isfinite(p.x) || !std::isfinite(p.y)) continue;
      x0 = std::min(x0, p.x), x1 = std::max(x1, p.x);
      y0 = std::min(y0, p.y), y1 = std::max(y1, p.y);
      ++n;
    }
  std::string out =
      fmt::format("<svg class=\"chart\" data-chart=\"{}\" data-points=\"{}\"", esc(id), n);
  if (n > 0)
    out += fmt::format(" data-x-min=\"{}\" data-x-max=\"{}\" data-y-min=\"{}\" data-y-max=\"{}\"",
                       num(x0), num(x1), num(y0), num(y1));
  out += fmt::format(" viewBox=\"0 0 {} {}\" width=\"100%\" role=\"img\" aria-label=\"{}\">\n", kW,
                     kH, esc(y_label + " by " + x_label));
  if (n == 0) {
    out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">no data</text></svg>\n",
                       kW / 2, kH / 2);
    return out;
  }
  // The axes: data range, widened to the floor/ceiling asked for and never zero wide.
  double ax0 = x0, ax1 = x1, ay0 = y0, ay1 = y1;
  if (y_floor) ay0 = std::min(ay0, *y_floor);
  if (y_ceil) ay1 = std::max(ay1, *y_ceil);
  if (ax1 - ax0 <= 0) ax0 -= 0.5, ax1 += 0.5;
  if (ay1 - ay0 <= 0) {
    const double pad = std::max(std::abs(ay0) * 0.05, 1e-6);
    ay0 -= pad, ay1 += pad;
  }
  const double pw = kW - kLeft - kRight, ph = kH - kTop - kBottom;
  auto px = [&](double x) { return kLeft + (x - ax0) / (ax1 - ax0) * pw; };
  auto py = [&](double y) { return kTop + (1.0 - (y - ay0) / (ay1 - ay0)) * ph; };
  out += fmt::format(
      "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#fafafa\" stroke=\"#bbb\"/>\n",
      kLeft, kTop, pw, ph);
  for (double v : {ay0, (ay0 + ay1) / 2, ay1})
    out += fmt::format(
        "<text class=\"tick\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n", kLeft - 4,
        py(v) + 4, num(v));
  for (double v : {ax0, ax1})
    out += fmt::format(
        "<text class=\"tick\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n", px(v),
        kTop + ph + 16, num(v));
  out += fmt::format(
      "<text class=\"axis\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n",
      kLeft + pw / 2, kH - 4, esc(x_label));
  out += fmt::format(
      "<text class=\"axis\" x=\"12\" y=\"{:.1f}\" transform=\"rotate(-90 12 {:.1f})\" "
      "text-anchor=\"middle\">{}</text>\n",
      kTop + ph / 2, kTop + ph / 2, esc(y_label));
  double legend_x = kLeft + 8;
  for (const auto& s : series) {
    if (s.line && s.points.size() > 1) {
      out += fmt::format("<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"1.5\" points=\"",
                         s.colour);
      for (const auto& p : s.points)
        if (std::isfinite(p.x) && std::isfinite(p.y))
          out += fmt::format("{:.1f},{:.1f} ", px(p.x), py(p.y));
      out += "\"/>\n";
    }
    for (const auto& p : s.points) {
      if (!std::isfinite(p.x) || !std::isfinite(p.y)) continue;
      const char* fill = p.status.empty() ? s.colour.c_str() : status_colour(p.status);
      out += fmt::format(
          "<circle class=\"pt{}\" data-series=\"{}\" data-seq=\"{}\" data-x=\"{}\" "
          "data-y=\"{}\" cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"{}\" fill=\"{}\" stroke=\"{}\">"
          "<title>{}</title></circle>\n",
          p.status.empty() ? "" : " " + p.status, esc(s.name), p.seq, num(p.x), num(p.y), px(p.x),
          py(p.y), p.status == "ok" || p.status.empty() ? 2.5 : 4, fill, s.colour, esc(p.tip));
    }
    out += fmt::format(
        "<text class=\"legend\" x=\"{:.1f}\" y=\"{:.1f}\" fill=\"{}\">&#9679; {}</text>\n",
        legend_x, kTop + 12, s.colour, esc(s.name));
    legend_x += 14 + 7.0 * static_cast<double>(s.name.size());
  }
  out += "</svg>\n";
  return out;
}

}  // namespace tb::capture::report_page
