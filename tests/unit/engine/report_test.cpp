#include <gtest/gtest.h>

#include "tetherbox/capture/report.hpp"

namespace tb::capture {
namespace {

// The page drawn from a report alone: a folder with no bag in it (no journal), as the page
// must cope with.
std::string html_of(const nlohmann::json& r) {
  return render_report_html(std::filesystem::path(::testing::TempDir()) / "no-bag-here", r);
}

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
  f.histogram.measured = true;
  f.exposure_verified = true;
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
  const auto html = html_of(r);
  EXPECT_NE(html.find("exposure mismatch"), std::string::npos);
  EXPECT_NE(html.find("<table"), std::string::npos);
}

// Issue 8 item 10: `format: raw` has no JPEG and no preview, so nothing measured clipping; the
// report said "clipping max 0.0". Unmeasured is absent with a reason, in JSON and HTML.
TEST(Report, RawOnlySessionSaysClippingIsNotMeasured) {
  std::vector<FrameRecord> frames(3);
  for (size_t i = 0; i < frames.size(); ++i) {
    frames[i].name = "raw" + std::to_string(i);
    frames[i].seq = i;
    frames[i].exposure_verified = true;
    frames[i].files.push_back({"original", "data/frames/raw.dng", "", 100, "x"});
  }
  auto r = make_report(frames, ReportContext{});
  const auto& c = r.at("clipping");
  EXPECT_EQ(c.at("frames_measured"), 0);
  EXPECT_EQ(c.at("frames_not_measured"), 3);
  EXPECT_NE(c.at("not_measured_reason").get<std::string>().find("no JPEG/preview"),
            std::string::npos);
  for (const char* k : {"clipped_high", "clipped_low", "mean_luminance"}) {
    EXPECT_FALSE(c.at(k).contains("max")) << c.dump(2);
    EXPECT_EQ(c.at(k).at("not_measured"), "not measured: no JPEG/preview") << k;
  }
  EXPECT_FALSE(c.at("frames_over_1pct_highlights").is_number()) << c.dump(2);
  const auto html = html_of(r);
  EXPECT_NE(html.find("clipped_high not measured: no JPEG/preview"), std::string::npos) << html;
  EXPECT_EQ(html.find("max 0"), std::string::npos) << html;
  // Start and end times that were never set are not 1970.
  EXPECT_TRUE(r.at("started_utc").is_null());
  EXPECT_EQ(html.find("1970"), std::string::npos)
      << html.substr(html.find("1970") - std::min<size_t>(html.find("1970"), 300), 400);
}

TEST(Report, MeasuredAndUnmeasuredFramesAreCountedApart) {
  std::vector<FrameRecord> frames = {frame("key", 0, 48.1, 40.0, 0.2),
                                     frame("key", 1, 48.1, 40.0, 0)};
  frames[1].histogram = {};  // JPEG present, preview never made
  frames[1].files.push_back({"original", "data/frames/b.JPG", "", 10, "y"});
  auto r = make_report(frames, ReportContext{});
  const auto& c = r.at("clipping");
  EXPECT_EQ(c.at("frames_measured"), 1);
  EXPECT_DOUBLE_EQ(c.at("clipped_high").at("min").get<double>(), 0.2);  // not pulled to 0
  EXPECT_EQ(c.at("frames_over_1pct_highlights"), 1);
  EXPECT_NE(c.at("not_measured_reason").get<std::string>().find("no preview was made"),
            std::string::npos);
}

TEST(Report, FramesThatFailedVerificationAreListed) {
  std::vector<FrameRecord> frames = {frame("key", 0, 48.1, 40.0, 0), frame("key", 1, 48.1, 40.0, 0),
                                     frame("key", 2, 48.1, 40.0, 0)};
  frames[1].exposure_verified = false;
  frames[2].exposure_verified = false;
  frames[2].reported_valid = false;
  auto r = make_report(frames, ReportContext{});
  const auto& e = r.at("exposure");
  EXPECT_EQ(e.at("verified"), 1);
  EXPECT_EQ(e.at("not_verified"), 2);
  EXPECT_EQ(e.at("not_reported_by_camera"), 1);
  ASSERT_EQ(e.at("unverified_frames").size(), 2u);
  EXPECT_EQ(e.at("unverified_frames")[0].at("frame"), frames[1].name);
  EXPECT_NE(e.at("unverified_frames")[1].at("why").get<std::string>().find("reported no exposure"),
            std::string::npos);
}

TEST(Report, NoFixAndNoAmbientAreReasonsNotZeros) {
  std::vector<FrameRecord> frames = {frame("key", 0, 0, std::nullopt, 0)};
  frames[0].gps.reason = "no gps configured";
  frames[0].ambient.reason = "sensor timeout";
  auto r = make_report(frames, ReportContext{});
  EXPECT_EQ(r["gps"]["lat_deg"]["not_measured"], "no frame had a GPS fix");
  EXPECT_EQ(r["gps"]["no_fix_reasons"]["no gps configured"], 1);
  EXPECT_EQ(r["ambient"]["humidity_pct"]["not_measured"], "no frame had an ambient reading");
  EXPECT_EQ(r["ambient"]["unavailable_reasons"]["sensor timeout"], 1);
  EXPECT_TRUE(r["camera"]["serial"].is_null());  // unknown, not ""
  frames[0].position.light.clear();
  EXPECT_EQ(make_report(frames, ReportContext{})["frames_per_light"]["(no lighting preset)"], 1);
}

// Strings from YAML and cameras reach the report: a strict dump (as the runner does) must not
// throw on them.
TEST(Report, InvalidUtf8IsRepairedSoAStrictDumpWorks) {
  std::vector<FrameRecord> frames = {frame("k\xFFy", 0, 48.1, 40.0, 0)};
  frames[0].faults.push_back("camera said \xC3");
  ReportContext ctx;
  ctx.session =
      "s\xE9"
      "ance";
  ctx.camera_model = "Cam\xFE";
  ctx.session_faults = {"\xF8"};
  auto r = make_report(frames, ctx);
  std::string text;
  EXPECT_NO_THROW(text = r.dump(2));
  EXPECT_NE(text.find("s\uFFFDance"), std::string::npos);
  EXPECT_NE(html_of(r).find("Cam\uFFFD"), std::string::npos);
}

TEST(Report, HtmlEscapes) {
  ReportContext ctx;
  ctx.session = "<script>";
  auto html = html_of(make_report({}, ctx));
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;"), std::string::npos);
}

}  // namespace
}  // namespace tb::capture
