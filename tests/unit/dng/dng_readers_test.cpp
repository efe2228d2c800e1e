// encode_dng's files read back by programs that share no code with it: dcraw (its own TIFF
// parser), libraw (raw-identify, unprocessed_raw) and exiftool.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "synthetic_bayer.hpp"

namespace tb::hal::dng {
namespace {

using testing::read_pgm;
using testing::run_capture;
using testing::synthetic_bayer;
using testing::temp_path;
using testing::write_file;

DngMeta sample_meta() {
  DngMeta m;
  m.make = "Tetherbox";
  m.model = "SynthCam 1";
  m.unique_model = "Tetherbox SynthCam 1";
  m.serial = "SN0042";
  m.datetime = "2026:11:25 16:35:52";
  m.subsec = "123";
  m.offset_time = "+00:00";
  m.exposure_time_s = 1.0 / 125.0;
  m.f_number = 8.0;
  m.iso = 400;
  m.focal_length_mm = 35.0;
  return m;
}

// Readers pad columns with runs of spaces; compare with single spaces.
std::string squeeze(std::string s) {
  std::string out;
  for (char c : s)
    if (!(c == ' ' && !out.empty() && out.back() == ' ')) out += c;
  return out;
}

class DngFile {
 public:
  explicit DngFile(const std::vector<uint8_t>& bytes) : path_(temp_path("img.dng")) {
    write_file(path_, bytes);
  }
  ~DngFile() {
    std::filesystem::remove(path_);
    std::filesystem::remove(path_ + ".pgm");
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(DngReaders, DcrawIdentifiesSizeMakeModel) {
  auto img = synthetic_bayer(64, 48, "RGGB", 64, 4095);
  img.bits = 12;
  auto bytes = encode_dng(img, sample_meta());
  ASSERT_TRUE(bytes.ok()) << bytes.error().message;
  DngFile f(*bytes);
  int rc = 0;
  const auto out = squeeze(run_capture("dcraw -i -v '" + f.path() + "' 2>&1", &rc));
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("Camera: Tetherbox SynthCam 1"), std::string::npos) << out;
  EXPECT_NE(out.find("DNG Version: 1.4.0.0"), std::string::npos) << out;
  EXPECT_NE(out.find("Number of raw images: 1"), std::string::npos) << out;
  EXPECT_NE(out.find("Full size: 64 x 48"), std::string::npos) << out;
  EXPECT_NE(out.find("Image size: 64 x 48"), std::string::npos) << out;
  EXPECT_NE(out.find("ISO speed: 400"), std::string::npos) << out;
  EXPECT_NE(out.find("Shutter: 1/125.0 sec"), std::string::npos) << out;
  EXPECT_NE(out.find("Aperture: f/8.0"), std::string::npos) << out;
  EXPECT_NE(out.find("Focal length: 35.0 mm"), std::string::npos) << out;
  EXPECT_NE(out.find("Filter pattern: RG/GB"), std::string::npos) << out;
}

TEST(DngReaders, LibrawIdentifiesSizeMakeModel) {
  auto img = synthetic_bayer(64, 48, "RGGB", 64, 4095);
  auto bytes = encode_dng(img, sample_meta());
  ASSERT_TRUE(bytes.ok()) << bytes.error().message;
  DngFile f(*bytes);
  int rc = 0;
  const auto out = squeeze(run_capture("raw-identify -v '" + f.path() + "' 2>&1", &rc));
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("Camera: Tetherbox SynthCam 1"), std::string::npos) << out;
  EXPECT_NE(out.find("UniqueCameraModel: =Tetherbox SynthCam 1="), std::string::npos) << out;
  EXPECT_NE(out.find("DNG Version: 1.4.0.0"), std::string::npos) << out;
  EXPECT_NE(out.find("Full size: 64 x 48"), std::string::npos) << out;
  EXPECT_NE(out.find("ISO speed: 400"), std::string::npos) << out;
  EXPECT_NE(out.find("Shutter: 1/125.0"), std::string::npos) << out;
  EXPECT_NE(out.find("black: 64"), std::string::npos) << out;
  EXPECT_NE(out.find("DNG Illuminant 1: D65"), std::string::npos) << out;
}

// dcraw -D -4 prints the samples exactly as stored (no black subtraction, no scaling).
void expect_dcraw_samples_equal(const BayerImage& img) {
  auto bytes = encode_dng(img, sample_meta());
  ASSERT_TRUE(bytes.ok()) << bytes.error().message;
  DngFile f(*bytes);
  const std::string pgm = f.path() + ".pgm";
  int rc = 0;
  const auto out = run_capture("dcraw -D -4 -c '" + f.path() + "' > '" + pgm + "' 2>&1", &rc);
  ASSERT_EQ(rc, 0) << out;
  auto p = read_pgm(pgm);
  ASSERT_TRUE(p.ok()) << p.error().message;
  ASSERT_EQ(p->width, img.width);
  ASSERT_EQ(p->height, img.height);
  size_t mismatches = 0, first = 0;
  for (size_t i = 0; i < img.pixels.size(); ++i) {
    if (p->samples[i] != img.pixels[i] && mismatches++ == 0) first = i;
  }
  EXPECT_EQ(mismatches, 0u) << "first mismatch at x=" << first % img.width
                            << " y=" << first / img.width << ": wrote " << img.pixels[first]
                            << ", dcraw read " << p->samples[first];
}

TEST(DngReaders, DcrawDecodesTheSamplesWritten) {
  expect_dcraw_samples_equal(synthetic_bayer(96, 64, "RGGB", 256, 65535));
}

TEST(DngReaders, DcrawDecodesMultiStripImage) {
  // 1100 px rows of 16-bit samples make ~476 rows per 1 MB strip: 1000 rows span 3 strips.
  expect_dcraw_samples_equal(synthetic_bayer(1100, 1000, "GBRG", 0, 65535));
}

TEST(DngReaders, LibrawDecodesTheSamplesWritten) {
  const auto img = synthetic_bayer(80, 60, "BGGR", 128, 16383);
  auto bytes = encode_dng(img, sample_meta());
  ASSERT_TRUE(bytes.ok()) << bytes.error().message;
  DngFile f(*bytes);
  int rc = 0;
  // unprocessed_raw writes <file>.pgm with the raw samples, black level not subtracted.
  const auto out = run_capture("unprocessed_raw '" + f.path() + "' 2>&1", &rc);
  ASSERT_EQ(rc, 0) << out;
  auto p = read_pgm(f.path() + ".pgm");
  ASSERT_TRUE(p.ok()) << p.error().message << "\n" << out;
  ASSERT_EQ(p->width, img.width);
  ASSERT_EQ(p->height, img.height);
  EXPECT_EQ(p->samples, img.pixels);
}

TEST(DngReaders, ExiftoolReportsExposureAndDngTags) {
  auto img = synthetic_bayer(64, 48, "RGGB", 64, 4095);
  img.bits = 12;
  auto bytes = encode_dng(img, sample_meta());
  ASSERT_TRUE(bytes.ok()) << bytes.error().message;
  DngFile f(*bytes);
  int rc = 0;
  const auto out = run_capture("exiftool -j -n -G1 '" + f.path() + "'", &rc);
  ASSERT_EQ(rc, 0) << out;
  auto j = nlohmann::json::parse(out).at(0);
  EXPECT_DOUBLE_EQ(j.at("ExifIFD:ExposureTime").get<double>(), 0.008);
  // Stored as the exact fraction, not a float approximation: exiftool prints it as written.
  const auto plain = run_capture("exiftool -s3 -ExposureTime -FNumber '" + f.path() + "'", &rc);
  EXPECT_EQ(plain, "1/125\n8.0\n");
  EXPECT_DOUBLE_EQ(j.at("ExifIFD:FNumber").get<double>(), 8.0);
  EXPECT_EQ(j.at("ExifIFD:ISO").get<int>(), 400);
  EXPECT_DOUBLE_EQ(j.at("ExifIFD:FocalLength").get<double>(), 35.0);
  EXPECT_EQ(j.at("ExifIFD:DateTimeOriginal").get<std::string>(), "2026:11:25 16:35:52");
  EXPECT_EQ(j.at("ExifIFD:SubSecTimeOriginal").dump(), "123");
  EXPECT_EQ(j.at("ExifIFD:OffsetTimeOriginal").get<std::string>(), "+00:00");
  EXPECT_EQ(j.at("IFD0:DNGVersion").get<std::string>(), "1 4 0 0");
  EXPECT_EQ(j.at("IFD0:DNGBackwardVersion").get<std::string>(), "1 1 0 0");
  EXPECT_EQ(j.at("IFD0:Make").get<std::string>(), "Tetherbox");
  EXPECT_EQ(j.at("IFD0:Model").get<std::string>(), "SynthCam 1");
  EXPECT_EQ(j.at("IFD0:UniqueCameraModel").get<std::string>(), "Tetherbox SynthCam 1");
  EXPECT_EQ(j.at("IFD0:CalibrationIlluminant1").get<int>(), 21);
  EXPECT_EQ(j.at("IFD0:AsShotNeutral").get<std::string>(), "1 1 1");
  EXPECT_EQ(j.at("IFD0:ColorMatrix1").get<std::string>(), "1 0 0 0 1 0 0 0 1");
  EXPECT_EQ(j.at("IFD0:SubfileType").get<int>(), 1);
  EXPECT_EQ(j.at("SubIFD:SubfileType").get<int>(), 0);
  EXPECT_EQ(j.at("SubIFD:PhotometricInterpretation").get<int>(), 32803);
  EXPECT_EQ(j.at("SubIFD:BitsPerSample").get<int>(), 16);
  EXPECT_EQ(j.at("SubIFD:ImageWidth").get<int>(), 64);
  EXPECT_EQ(j.at("SubIFD:ImageHeight").get<int>(), 48);
  EXPECT_EQ(j.at("SubIFD:CFARepeatPatternDim").get<std::string>(), "2 2");
  EXPECT_EQ(j.at("SubIFD:CFAPattern2").get<std::string>(), "0 1 1 2");
  EXPECT_EQ(j.at("SubIFD:BlackLevel").get<int>(), 64);
  EXPECT_EQ(j.at("SubIFD:WhiteLevel").get<int>(), 4095);
}

struct PatternCase {
  const char* cfa;
  const char* exiftool_pattern;  // CFAPattern2 with -n: colour codes row by row
  const char* dcraw_filter;      // dcraw -i -v "Filter pattern"
};

class DngPatterns : public ::testing::TestWithParam<PatternCase> {};

TEST_P(DngPatterns, RoundTripsThroughEveryReader) {
  const auto& pc = GetParam();
  const auto img = synthetic_bayer(40, 30, pc.cfa, 32, 65535);
  auto bytes = encode_dng(img, sample_meta());
  ASSERT_TRUE(bytes.ok()) << bytes.error().message;
  DngFile f(*bytes);
  int rc = 0;
  const auto ex = run_capture("exiftool -j -n -SubIFD:CFAPattern2 '" + f.path() + "'", &rc);
  ASSERT_EQ(rc, 0) << ex;
  EXPECT_EQ(nlohmann::json::parse(ex).at(0).at("CFAPattern2").get<std::string>(),
            pc.exiftool_pattern);
  const auto id = run_capture("dcraw -i -v '" + f.path() + "' 2>&1", &rc);
  ASSERT_EQ(rc, 0) << id;
  EXPECT_NE(id.find(std::string("Filter pattern: ") + pc.dcraw_filter), std::string::npos) << id;
  expect_dcraw_samples_equal(img);
}

INSTANTIATE_TEST_SUITE_P(AllBayer, DngPatterns,
                         ::testing::Values(PatternCase{"RGGB", "0 1 1 2", "RG/GB"},
                                           PatternCase{"BGGR", "2 1 1 0", "BG/GR"},
                                           PatternCase{"GRBG", "1 0 2 1", "GR/BG"},
                                           PatternCase{"GBRG", "1 2 0 1", "GB/RG"}),
                         [](const auto& info) { return std::string(info.param.cfa); });

}  // namespace
}  // namespace tb::hal::dng
