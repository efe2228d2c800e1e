// Bad input to the quality checks (issue 12, Bad input): a RAW the decoder cannot read, a
// truncated JPEG, a frame with no focal length in its Exif, a RAW with no black/white level.
// Each skips exactly the check it defeats, with the reason in the record and counted per reason
// in the report's checks_not_run; the next good frame is measured as usual.
#include <gtest/gtest.h>

#include <cstring>

#include "tetherbox/capture/quality_monitor.hpp"
#include "tetherbox/capture/quality_report.hpp"
#include "tetherbox/hal/dng/dng.hpp"

namespace tb::capture::quality {
namespace {

hal::dng::BayerImage textured(int w, int h) {
  hal::dng::BayerImage b;
  b.width = w;
  b.height = h;
  b.cfa = "RGGB";
  b.black_level = 512;
  b.white_level = 60000;
  b.pixels.resize(static_cast<size_t>(w) * h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      b.pixels[static_cast<size_t>(y) * w + x] =
          static_cast<uint16_t>(2000 + ((x / 3 + y / 5) % 2) * 8000 + (x * 37 + y * 11) % 300);
  return b;
}

std::vector<uint8_t> dng(double focal_mm) {
  hal::dng::DngMeta meta;
  meta.focal_length_mm = focal_mm;
  auto bytes = hal::dng::encode_dng(textured(64, 48), meta);
  EXPECT_TRUE(bytes.ok());
  return bytes.ok() ? *bytes : std::vector<uint8_t>{};
}

// Renames an IFD entry's tag (little-endian TIFF) to a private tag nobody reads: the file is
// still a valid DNG, only that tag is gone.
void drop_tag(std::vector<uint8_t>& b, uint16_t tag) {
  ASSERT_EQ(b[0], 'I');
  size_t hits = 0;
  for (size_t i = 8; i + 12 <= b.size(); i += 2) {
    const uint16_t t = static_cast<uint16_t>(b[i] | b[i + 1] << 8);
    const uint16_t type = static_cast<uint16_t>(b[i + 2] | b[i + 3] << 8);
    if (t != tag || type == 0 || type > 12) continue;
    b[i] = 0x01;  // 0xC601..: unassigned private tags
    ++hits;
  }
  ASSERT_GE(hits, 1u) << "tag " << tag << " not found";
}

hal::CaptureResult with_raw(std::vector<uint8_t> raw) {
  hal::CaptureResult cap;
  cap.files.push_back(hal::CapturedFile{"IMG.DNG", "dng", "image/x-adobe-dng", std::move(raw)});
  return cap;
}

std::string reason_of(const FrameRecord& r, const std::string& check) {
  for (const auto& [c, why] : checks_not_run(r))
    if (c == check) return why;
  return "";
}

TEST(QualityBadInput, EachDefectSkipsOnlyItsCheckWithTheReasonAndIsCounted) {
  config::Quality q;
  Monitor m(q, {});
  ReportTally tally;
  int n = 0;
  auto run = [&](hal::CaptureResult cap) {
    FrameRecord r;
    r.name = "f" + std::to_string(n++);
    r.position.light = "key";
    (void)m.on_captured(r, cap);
    tally.add(r);
    return r;
  };

  // A good frame first: every check runs.
  auto good = run(with_raw(dng(35)));
  EXPECT_TRUE(good.optics.measured && good.raw_levels.measured && good.sharpness.measured);
  EXPECT_TRUE(checks_not_run(good).empty());

  // 1. A RAW the decoder cannot read (the camera's bytes cut to the header's size).
  auto cut = dng(35);
  cut.resize(200);
  auto unreadable = run(with_raw(cut));
  EXPECT_FALSE(unreadable.raw_levels.measured);
  EXPECT_EQ(reason_of(unreadable, "raw_clipping").rfind("not measured", 0), 0u);
  EXPECT_EQ(reason_of(unreadable, "sharpness"), "not measured: no readable RAW");
  EXPECT_EQ(reason_of(unreadable, "optics"), "no focal length in the frame's Exif");

  // 2. A truncated JPEG (no RAW): nothing in it to read a focal length from, no RAW checks.
  hal::CaptureResult jpeg;
  jpeg.files.push_back(hal::CapturedFile{"IMG.JPG", "jpg", "image/jpeg", {0xFF, 0xD8, 0xFF, 0xE1}});
  auto truncated = run(jpeg);
  EXPECT_EQ(reason_of(truncated, "optics"), "no focal length in the frame's Exif");
  EXPECT_EQ(reason_of(truncated, "raw_clipping"), "not measured: no RAW in this frame (JPEG only)");

  // 3. No focal length in the Exif: optics skipped, the RAW checks still run.
  auto nofocal = run(with_raw(dng(0)));
  EXPECT_EQ(reason_of(nofocal, "optics"), "no focal length in the frame's Exif");
  EXPECT_TRUE(nofocal.raw_levels.measured);
  EXPECT_TRUE(nofocal.sharpness.measured);
  EXPECT_TRUE(nofocal.faults.empty());

  // 4. No white level, then no black level: the RAW checks are skipped, optics still runs.
  auto nowhite_bytes = dng(35);
  drop_tag(nowhite_bytes, 50717);  // WhiteLevel
  auto nowhite = run(with_raw(nowhite_bytes));
  EXPECT_EQ(reason_of(nowhite, "raw_clipping"), "not measured: the RAW reports no white level");
  EXPECT_TRUE(nowhite.optics.measured);
  auto noblack_bytes = dng(35);
  drop_tag(noblack_bytes, 50714);  // BlackLevel
  auto noblack = run(with_raw(noblack_bytes));
  EXPECT_EQ(reason_of(noblack, "raw_clipping"), "not measured: the RAW reports no black level");

  // Nothing stopped: the next good frame is measured as the first was.
  auto after = run(with_raw(dng(35)));
  EXPECT_TRUE(checks_not_run(after).empty());

  const auto not_run = tally.checks_not_run();
  EXPECT_EQ(not_run["optics"]["no focal length in the frame's Exif"], 3);
  EXPECT_EQ(not_run["raw_clipping"]["not measured: the RAW reports no white level"], 1);
  EXPECT_EQ(not_run["raw_clipping"]["not measured: the RAW reports no black level"], 1);
  EXPECT_EQ(not_run["raw_clipping"]["not measured: no RAW in this frame (JPEG only)"], 1);
  EXPECT_EQ(not_run["sharpness"]["not measured: no readable RAW"], 4);
  EXPECT_FALSE(not_run.contains("bogus"));
}

// A RAW whose raw data stops early while its directory is intact (cameras write the directory
// first, the data last, so a cut file looks like this): the first strip reads, the second does
// not. Neither clipping nor sharpness is taken from the part that was read (the sharpness
// measure once ran on the rows that came, zeros below them, and recorded a value).
TEST(QualityBadInput, ARawCutInsideItsDataMeasuresNoSharpness) {
  // Two strips (the encoder's are ~1 MB): 1024 x 600 16-bit photosites.
  auto bytes = hal::dng::encode_dng(textured(1024, 600), hal::dng::DngMeta{});
  ASSERT_TRUE(bytes.ok());
  auto& b = *bytes;
  ASSERT_EQ(b[0], 'I');
  auto u16 = [&](size_t i) { return static_cast<uint16_t>(b[i] | b[i + 1] << 8); };
  auto u32 = [&](size_t i) {
    return static_cast<uint32_t>(b[i] | b[i + 1] << 8 | b[i + 2] << 16 | b[i + 3] << 24);
  };
  // The raw image's StripOffsets: the entry (tag 273, LONG) with two values, which points to
  // them; the second strip is moved to the last 100 bytes of the file.
  size_t patched = 0;
  for (size_t i = 8; i + 12 <= b.size(); i += 2) {
    if (u16(i) != 273 || u16(i + 2) != 4 || u32(i + 4) != 2) continue;
    const size_t at = u32(i + 8) + 4;
    ASSERT_LE(at + 4, b.size());
    const uint32_t off = static_cast<uint32_t>(b.size() - 100);
    for (int k = 0; k < 4; ++k) b[at + k] = static_cast<uint8_t>(off >> (8 * k));
    ++patched;
  }
  ASSERT_EQ(patched, 1u);
  config::Quality q;
  Monitor m(q, {});
  FrameRecord r;
  r.name = "cut";
  r.position.light = "key";
  (void)m.on_captured(r, with_raw(b));
  EXPECT_FALSE(r.raw_levels.measured);
  EXPECT_NE(r.raw_levels.reason.find("truncated"), std::string::npos) << r.raw_levels.reason;
  EXPECT_FALSE(r.sharpness.measured) << r.sharpness.value;
  EXPECT_EQ(reason_of(r, "sharpness"), "not measured: no readable RAW");
}

}  // namespace
}  // namespace tb::capture::quality
