#include <gtest/gtest.h>

#include "tetherbox/capture/report.hpp"

namespace tb::capture {
namespace {

FrameRecord frame(const std::string& light, double ev, double lat, std::optional<double> rh,
                  double clip) {
  FrameRecord f;
  f.name = light + std::to_string(ev);
  f.position.light = light;
  f.position.ev_offset = ev;
  f.gps.fix = lat != 0;
  f.gps.lat_deg = lat;
  f.gps.lon_deg = 2;
  f.ambient.available = rh.has_value();
  f.ambient.humidity_pct = rh;
  f.histogram.clipped_high = clip;
  f.files.push_back({"original", "data/frames/a", "", 100, "x"});
  return f;
}

TEST(Report, RangesCountsAndFaults) {
  std::vector<FrameRecord> frames = {frame("key", -1, 48.1, 40.0, 0.0),
                                     frame("key", 1, 48.3, 44.0, 0.05),
                                     frame("fill", 0, 0, std::nullopt, 0.0)};
  frames[1].faults.push_back("exposure mismatch: shutter");
  ReportContext ctx;
  ctx.session = "s";
  ctx.planned = 4;
  ctx.stopped_by = "disk full";
  ctx.session_faults = {"camera reconnected"};
  auto r = make_report(frames, ctx);
  EXPECT_EQ(r["frames"], 3);
  EXPECT_EQ(r["planned"], 4);
  EXPECT_EQ(r["gps"]["frames_with_fix"], 2);
  EXPECT_DOUBLE_EQ(r["gps"]["lat_deg"]["min"].get<double>(), 48.1);
  EXPECT_DOUBLE_EQ(r["gps"]["lat_deg"]["max"].get<double>(), 48.3);
  EXPECT_DOUBLE_EQ(r["ambient"]["humidity_pct"]["max"].get<double>(), 44.0);
  EXPECT_EQ(r["clipping"]["frames_over_1pct_highlights"], 1);
  EXPECT_EQ(r["frames_per_light"]["key"], 2);
  EXPECT_EQ(r["frames_per_ev"]["+1.0"], 1);
  EXPECT_EQ(r["faults"].size(), 2u);
  EXPECT_EQ(r["bytes"], 300);
  EXPECT_EQ(r["stopped_by"], "disk full");
  const auto html = report_html(r);
  EXPECT_NE(html.find("exposure mismatch"), std::string::npos);
  EXPECT_NE(html.find("<table>"), std::string::npos);
}

TEST(Report, HtmlEscapes) {
  ReportContext ctx;
  ctx.session = "<script>";
  auto html = report_html(make_report({}, ctx));
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;"), std::string::npos);
}

}  // namespace
}  // namespace tb::capture
