// The HTML shoot report's reading of a journal (capture/src/report_html*.cpp): retakes kept and
// marked superseded, unreadable lines named, unmeasured values said, bad UTF-8 survived.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tetherbox/capture/record.hpp"
#include "tetherbox/capture/report.hpp"

namespace tb::capture {
namespace {

namespace fs = std::filesystem;

class ReportPage : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("tb-report-page-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "data");
  }
  void TearDown() override { fs::remove_all(dir_); }
  static FrameRecord frame(uint64_t seq, const std::string& name, double az) {
    FrameRecord f;
    f.seq = seq;
    f.request_id = seq + 1;
    f.name = name;
    f.position.azimuth_deg = az;
    f.exposure_verified = true;
    f.trigger_utc = UtcTime{} + std::chrono::seconds(1'800'000'000 + seq);
    return f;
  }
  void write(const std::vector<std::string>& lines) {
    std::ofstream out(dir_ / "data" / "journal.jsonl");
    for (const auto& l : lines) out << l << "\n";
  }
  static std::string line(const FrameRecord& f) {
    nlohmann::json j = {{"type", "frame"}};
    j.update(to_json(f));
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  fs::path dir_;
};

TEST_F(ReportPage, RetakeKeepsBothLinesAndMarksTheFirstSuperseded) {
  auto a = frame(0, "a", 0), b1 = frame(1, "b", 90), b2 = frame(1, "b", 90);
  b2.request_id = 7;
  b2.sharpness.measured = true;
  b2.sharpness.value = 0.25;
  write(
      {line(a), line(b1), line(b2),
       R"({"type":"release","path":"data/releases/model_x.pdf","kind":"model","subject":"X","frames":["a"]})"});
  const std::string html = render_report_html(dir_, nlohmann::json::object());
  EXPECT_NE(html.find("data-frames=\"3\" data-ok=\"1\" data-retaken=\"1\" data-fault=\"0\" "
                      "data-superseded=\"1\""),
            std::string::npos)
      << html.substr(0, 2000);
  EXPECT_NE(html.find("data-chart=\"positions\" data-positions=\"2\" data-frames=\"3\""),
            std::string::npos);
  EXPECT_NE(html.find("<figure class=\"superseded\" data-seq=\"1\""), std::string::npos);
  EXPECT_NE(html.find("<figure class=\"retaken\" data-seq=\"1\""), std::string::npos);
  // One frame measured its sharpness; the other two say they were not.
  EXPECT_NE(html.find("data-chart=\"sharpness\" data-points=\"1\""), std::string::npos);
  EXPECT_NE(html.find("2 frame(s) not measured"), std::string::npos);
  EXPECT_NE(html.find("data-releases=\"1\""), std::string::npos);
  EXPECT_NE(html.find("not measured: no dust map yet"), std::string::npos);
}

TEST_F(ReportPage, UnreadableLinesAreNamedAndSkipped) {
  write({line(frame(0, "a", 0)), "{\"type\":\"frame\",\"seq\":", line(frame(1, "b", 30))});
  const std::string html = render_report_html(dir_, nlohmann::json::object());
  EXPECT_NE(html.find("journal line 2 is not JSON (skipped)"), std::string::npos);
  EXPECT_NE(html.find("id=\"summary\" data-frames=\"2\""), std::string::npos);
}

TEST_F(ReportPage, NoJournalIsSaidNotThrown) {
  const std::string html = render_report_html(dir_, nlohmann::json::object());
  EXPECT_NE(html.find("data/journal.jsonl cannot be read"), std::string::npos);
  EXPECT_NE(html.find("id=\"summary\" data-frames=\"0\""), std::string::npos);
}

TEST_F(ReportPage, InvalidUtf8AndMarkupInNamesAreEscaped) {
  write({line(frame(0, "bad\xff<script>", 0))});
  nlohmann::json rep = {{"session", "s\xfe"}};
  std::string html;
  ASSERT_NO_THROW(html = render_report_html(dir_, rep));
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_NE(html.find("bad\uFFFD&lt;script&gt;"), std::string::npos);
}

// An export without --previews keeps the journal's preview lines: the page must not link an
// image that is not in the bag (it showed a broken image per frame).
TEST_F(ReportPage, APreviewNotInTheBagIsNotLinked) {
  auto a = frame(0, "a", 0), b = frame(1, "b", 90);
  a.files.push_back({"preview", "data/previews/a.jpg", "", 10, "x"});
  b.files.push_back({"preview", "data/previews/b.jpg", "", 10, "y"});
  write({line(a), line(b)});
  fs::create_directories(dir_ / "data" / "previews");
  std::ofstream(dir_ / "data" / "previews" / "a.jpg") << "jpeg";
  const std::string html = render_report_html(dir_, nlohmann::json::object());
  EXPECT_NE(html.find("src=\"previews/a.jpg\""), std::string::npos) << html;
  EXPECT_EQ(html.find("previews/b.jpg"), std::string::npos) << html;
  EXPECT_NE(html.find("data-frames=\"2\" data-shown=\"2\" data-previews=\"1\""), std::string::npos);
}

// A day's session: the contact sheet is capped, keeps every frame that is not ok, samples the
// ok ones evenly and says how many it left out.
TEST_F(ReportPage, ContactSheetOfAHugeSessionIsCappedAndKeepsEveryFault) {
  std::vector<std::string> lines;
  const int n = 2600;
  for (int i = 0; i < n; ++i) {
    auto f = frame(static_cast<uint64_t>(i), "f" + std::to_string(i), i % 360);
    if (i % 200 == 7) f.faults.push_back("exposure mismatch");
    lines.push_back(line(f));
  }
  write(lines);
  const std::string html = render_report_html(dir_, nlohmann::json::object());
  EXPECT_NE(html.find("data-frames=\"2600\" data-shown=\"2000\""), std::string::npos);
  EXPECT_NE(html.find("2000 of 2600 frames shown"), std::string::npos);
  const auto sheet = html.substr(html.find("id=\"contact-sheet\""));
  for (int i = 7; i < n; i += 200)
    EXPECT_NE(sheet.find("<figcaption>f" + std::to_string(i) + "</figcaption>"), std::string::npos)
        << i;
  // Sampled across the session, not its first 2000 frames.
  EXPECT_NE(sheet.find("<figcaption>f25"), std::string::npos);
  EXPECT_NE(sheet.find("<figcaption>f0</figcaption>"), std::string::npos);
  // The charts draw a sample too (bounded page, bounded memory at close), keeping the faults
  // and the last frame, and say so.
  const std::string gps_head = "data-chart=\"gps\" data-points=\"";
  const auto gps_at = html.find(gps_head);
  ASSERT_NE(gps_at, std::string::npos);
  const size_t drawn = std::stoul(html.substr(gps_at + gps_head.size()));
  EXPECT_LE(drawn, 2000u);
  EXPECT_GE(drawn, 1000u);
  EXPECT_NE(html.find("Drawn: 1 frame in 2 of 2600, the last and every frame that is not ok"),
            std::string::npos);
  const auto gps = html.substr(gps_at, html.find("</svg>", gps_at) - gps_at);
  for (int i = 7; i < n; i += 200)
    EXPECT_NE(gps.find("data-seq=\"" + std::to_string(i) + "\""), std::string::npos) << i;
  EXPECT_NE(gps.find("data-seq=\"2599\""), std::string::npos);
}

}  // namespace
}  // namespace tb::capture
