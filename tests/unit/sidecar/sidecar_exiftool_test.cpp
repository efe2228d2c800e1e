// Sidecars written by exiv2 and read back by an independent reader: the real exiftool
// (`exiftool -j -n -G1 -a`), so the XMP is checked as other tools will see it.
#include <gtest/gtest.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "tetherbox/capture/sidecar.hpp"

using namespace tb::capture;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "tb-sidecar-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

tb::UtcTime utc(int y, unsigned mo, unsigned d, int h, int mi, int s, int ms) {
  using namespace std::chrono;
  return sys_days{year{y} / month{mo} / day{d}} + hours{h} + minutes{mi} + seconds{s} +
         milliseconds{ms};
}

FrameRecord base_record() {
  FrameRecord r;
  r.request_id = 4242;
  r.seq = 17;
  r.name = "orbit_00017_key_+0.0_az045";
  r.position = {.ring = 2,
                .index_in_ring = 3,
                .azimuth_deg = 45.0,
                .elevation_deg = 30.0,
                .light = "key",
                .bracket_step = 1,
                .ev_offset = -1.0};
  r.commanded = {.shutter_s = 1.0 / 125.0, .aperture = 8.0, .iso = 200, .ev_comp = 0.0};
  r.reported = {.shutter_s = 1.0 / 125.0, .aperture = 5.6, .iso = 200, .ev_comp = 0.0};
  r.exposure_verified = true;
  r.attempts = 2;
  r.trigger_utc = utc(2026, 11, 25, 16, 35, 52, 123);
  r.trigger_uncertainty_s = 0.015;
  r.camera_clock_offset_s = -0.25;
  r.gps = {.fix = true,
           .reason = "",
           .mode = 3,
           .lat_deg = 48.8583701,
           .lon_deg = 2.2944813,
           .alt_msl_m = 35.5,
           .hdop = 0.9,
           .pdop = 1.6,
           .fix_age_s = 0.5,
           .source = "sim"};
  r.ambient = {.available = true,
               .reason = "",
               .temperature_c = -5.3,
               .humidity_pct = 45.5,
               .pressure_hpa = 1013.2,
               .sensor_id = "bme280:iio:device0",
               .reading_age_s = 1.5};
  r.files = {{"original", "data/frames/orbit_00017.dng", "DSC_0001.DNG", 123, "ab"},
             {"original", "data/frames/orbit_00017.jpg", "DSC_0001.JPG", 45, "cd"}};
  r.histogram = {.clipped_high = 0.04, .clipped_low = 0.01, .mean = 0.42};
  r.faults = {"exposure mismatch: aperture 8 commanded, 5.6 reported", "retry after busy"};
  return r;
}

SidecarContext base_context() {
  SidecarContext c;
  c.session = "2026-11-25T163000Z_orbit";
  c.camera_model = "Nikon D850";
  c.camera_serial = "3012345";
  c.lens = "AF-S NIKKOR 50mm f/1.8G";
  c.focal_length_mm = 50;
  c.creator = "A. Photographer";
  c.copyright = "CC-BY-4.0";
  c.original_file = "orbit_00017.dng";
  return c;
}

// Writes the packet to a file and returns exiftool's view of it (one JSON object).
json exiftool(const fs::path& dir, const std::string& name, const std::string& packet) {
  const fs::path file = dir / name;
  {
    std::ofstream out(file, std::ios::binary);
    out << packet;
  }
  const std::string cmd = "exiftool -j -n -G1 -a '" + file.string() + "' 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) ADD_FAILURE() << "cannot run exiftool";
  std::string text;
  std::array<char, 4096> buf{};
  size_t n = 0;
  while (p && (n = fread(buf.data(), 1, buf.size(), p)) > 0) text.append(buf.data(), n);
  const int rc = p ? pclose(p) : -1;
  EXPECT_EQ(rc, 0) << text;
  json j = json::parse(text, nullptr, false);
  if (!j.is_array() || j.empty()) {
    ADD_FAILURE() << "exiftool output is not a JSON array: " << text;
    return json::object();
  }
  return j[0];
}

// Any GPS tag that carries a measurement (GPSStatus "V" says there is none).
bool has_gps_tag(const json& j) {
  for (const auto& [k, v] : j.items())
    if (k.find(":GPS") != std::string::npos && k != "XMP-exif:GPSStatus") return true;
  return false;
}

}  // namespace

TEST(SidecarExiftool, NorthernEasternFrameReadsBack) {
  TempDir dir;
  auto packet = make_sidecar(base_record(), base_context());
  ASSERT_TRUE(packet.ok()) << packet.error().message;
  const json j = exiftool(dir.path(), "frame.xmp", *packet);
  SCOPED_TRACE(j.dump(2));
  ASSERT_TRUE(j.contains("XMP-exif:GPSDateTime")) << j.dump(2);

  EXPECT_NEAR(j.at("XMP-exif:GPSLatitude").get<double>(), 48.8583701, 1e-6);
  EXPECT_NEAR(j.at("XMP-exif:GPSLongitude").get<double>(), 2.2944813, 1e-6);
  EXPECT_NEAR(j.at("XMP-exif:GPSAltitude").get<double>(), 35.5, 1e-9);
  EXPECT_EQ(j.at("XMP-exif:GPSAltitudeRef").get<int>(), 0);
  EXPECT_EQ(j.at("XMP-exif:GPSMeasureMode").get<int>(), 3);
  // 3D fix: GPSDOP is the PDOP (EXIF 2.3); the HDOP stays in the tetherbox namespace.
  EXPECT_NEAR(j.at("XMP-exif:GPSDOP").get<double>(), 1.6, 1e-9);
  EXPECT_NEAR(j.at("XMP-tetherbox:GpsHdop").get<double>(), 0.9, 1e-9);
  EXPECT_NEAR(j.at("XMP-tetherbox:GpsPdop").get<double>(), 1.6, 1e-9);
  EXPECT_EQ(j.at("XMP-exif:GPSStatus"), "A");
  EXPECT_EQ(j.at("XMP-exif:GPSMapDatum"), "WGS-84");
  EXPECT_EQ(j.at("XMP-exif:GPSVersionID"), "2.3.0.0");
  // Fix time = trigger - fix age, with its zone.
  EXPECT_EQ(j.at("XMP-exif:GPSDateTime"), "2026:11:25 16:35:51.623+00:00");

  EXPECT_EQ(j.at("XMP-exif:DateTimeOriginal"), "2026:11:25 16:35:52.123+00:00");
  EXPECT_NEAR(j.at("XMP-exif:ExposureCompensation").get<double>(), 0.0, 1e-12);
  EXPECT_EQ(j.at("XMP-exifEX:PhotographicSensitivity").get<int>(), 200);
  EXPECT_EQ(j.at("XMP-xmp:CreateDate"), "2026:11:25 16:35:52.123+00:00");
  EXPECT_EQ(j.at("XMP-photoshop:DateCreated"), "2026:11:25 16:35:52.123+00:00");

  EXPECT_EQ(j.at("XMP-xmp:CreatorTool"), "tetherbox");
  EXPECT_EQ(j.at("XMP-tiff:Make"), "Nikon");
  EXPECT_EQ(j.at("XMP-tiff:Model"), "Nikon D850");
  EXPECT_EQ(j.at("XMP-exifEX:SerialNumber").get<int>(), 3012345);  // -n: digits read as a number
  EXPECT_EQ(j.at("XMP-exifEX:LensModel"), "AF-S NIKKOR 50mm f/1.8G");
  EXPECT_NEAR(j.at("XMP-exif:ExposureTime").get<double>(), 0.008, 1e-12);
  EXPECT_NEAR(j.at("XMP-exif:FNumber").get<double>(), 5.6, 1e-9);  // reported, not commanded
  EXPECT_EQ(j.at("XMP-tetherbox:ExposureSource"), "reported by the camera for this frame");
  EXPECT_EQ(j.at("XMP-tetherbox:FocalLengthSource"), "config lens.focal_length_mm");
  EXPECT_EQ(j.at("XMP-exif:ISO").get<int>(), 200);
  EXPECT_NEAR(j.at("XMP-exif:FocalLength").get<double>(), 50.0, 1e-9);
  EXPECT_EQ(j.at("XMP-dc:Creator"), "A. Photographer");
  EXPECT_EQ(j.at("XMP-dc:Rights"), "CC-BY-4.0");

  EXPECT_NEAR(j.at("XMP-exifEX:AmbientTemperature").get<double>(), -5.3, 1e-9);
  EXPECT_NEAR(j.at("XMP-exifEX:Humidity").get<double>(), 45.5, 1e-9);
  EXPECT_NEAR(j.at("XMP-exifEX:Pressure").get<double>(), 1013.2, 1e-9);
  EXPECT_EQ(j.at("XMP-tetherbox:AmbientSensor"), "bme280:iio:device0");
  EXPECT_NEAR(j.at("XMP-tetherbox:AmbientAgeS").get<double>(), 1.5, 1e-12);
  EXPECT_FALSE(j.contains("XMP-tetherbox:AmbientStatus"));

  EXPECT_EQ(j.at("XMP-tetherbox:RequestId").get<int>(), 4242);
  EXPECT_EQ(j.at("XMP-tetherbox:Seq").get<int>(), 17);
  EXPECT_EQ(j.at("XMP-tetherbox:Session"), "2026-11-25T163000Z_orbit");
  EXPECT_EQ(j.at("XMP-tetherbox:Ring").get<int>(), 2);
  EXPECT_NEAR(j.at("XMP-tetherbox:Azimuth").get<double>(), 45.0, 1e-12);
  EXPECT_NEAR(j.at("XMP-tetherbox:Elevation").get<double>(), 30.0, 1e-12);
  EXPECT_EQ(j.at("XMP-tetherbox:LightPreset"), "key");
  EXPECT_EQ(j.at("XMP-tetherbox:BracketStep").get<int>(), 1);
  EXPECT_NEAR(j.at("XMP-tetherbox:EvOffset").get<double>(), -1.0, 1e-12);
  // Written as rationals ("1/125", "8/1"); exiftool -n reads them as numbers.
  EXPECT_NEAR(j.at("XMP-tetherbox:CommandedShutter").get<double>(), 0.008, 1e-12);
  EXPECT_NEAR(j.at("XMP-tetherbox:CommandedAperture").get<double>(), 8.0, 1e-12);
  EXPECT_EQ(j.at("XMP-tetherbox:CommandedIso").get<int>(), 200);
  EXPECT_EQ(j.at("XMP-tetherbox:ExposureVerified"), true);  // XMP Boolean "True"
  EXPECT_EQ(j.at("XMP-tetherbox:Attempts").get<int>(), 2);
  EXPECT_NEAR(j.at("XMP-tetherbox:TriggerUncertaintyS").get<double>(), 0.015, 1e-12);
  EXPECT_NEAR(j.at("XMP-tetherbox:CameraClockOffsetS").get<double>(), -0.25, 1e-12);
  EXPECT_EQ(j.at("XMP-tetherbox:OriginalFile"), "orbit_00017.dng");
  EXPECT_EQ(j.at("XMP-tetherbox:OriginalFiles"),
            json::array({"orbit_00017.dng", "orbit_00017.jpg"}));
  EXPECT_EQ(j.at("XMP-tetherbox:CameraFileName"), "DSC_0001.DNG");
  EXPECT_EQ(j.at("XMP-tetherbox:Faults"),
            json::array({base_record().faults[0], base_record().faults[1]}));
  EXPECT_EQ(j.at("XMP-tetherbox:GpsStatus"), "fix");
}

TEST(SidecarExiftool, SouthernWesternBelowSeaLevel) {
  TempDir dir;
  FrameRecord r = base_record();
  r.gps.lat_deg = -33.8567844;
  r.gps.lon_deg = -70.6482666;
  r.gps.alt_msl_m = -12.25;
  r.gps.mode = 2;
  const json j = exiftool(dir.path(), "south.xmp", make_sidecar(r, base_context()).value());
  SCOPED_TRACE(j.dump(2));
  EXPECT_NEAR(j.at("XMP-exif:GPSLatitude").get<double>(), -33.8567844, 1e-6);
  EXPECT_NEAR(j.at("XMP-exif:GPSLongitude").get<double>(), -70.6482666, 1e-6);
  EXPECT_NEAR(j.at("XMP-exif:GPSAltitude").get<double>(), 12.25, 1e-9);
  EXPECT_EQ(j.at("XMP-exif:GPSAltitudeRef").get<int>(), 1);
  EXPECT_EQ(j.at("XMP-exif:GPSMeasureMode").get<int>(), 2);
}

TEST(SidecarExiftool, NoFixAndNoAmbientAreExplicit) {
  TempDir dir;
  FrameRecord r = base_record();
  r.gps = {};
  r.gps.fix = false;
  r.gps.reason = "stale (12.3 s)";
  r.ambient = {};
  r.ambient.available = false;
  r.ambient.reason = "sensor timeout";
  r.camera_clock_offset_s.reset();
  r.faults.clear();
  SidecarContext c = base_context();
  c.creator.clear();
  c.copyright.clear();
  const json j = exiftool(dir.path(), "nofix.xmp", make_sidecar(r, c).value());
  SCOPED_TRACE(j.dump(2));
  EXPECT_FALSE(has_gps_tag(j));
  EXPECT_EQ(j.at("XMP-exif:GPSStatus"), "V");  // measurement void
  EXPECT_EQ(j.at("XMP-tetherbox:GpsStatus"), "no fix: stale (12.3 s)");
  EXPECT_EQ(j.at("XMP-tetherbox:AmbientStatus"), "unavailable: sensor timeout");
  EXPECT_FALSE(j.contains("XMP-exifEX:AmbientTemperature"));
  EXPECT_FALSE(j.contains("XMP-exifEX:Humidity"));
  EXPECT_FALSE(j.contains("XMP-exifEX:Pressure"));
  EXPECT_FALSE(j.contains("XMP-tetherbox:CameraClockOffsetS"));
  EXPECT_FALSE(j.contains("XMP-dc:Creator"));
  EXPECT_FALSE(j.contains("XMP-dc:Rights"));
  EXPECT_EQ(j.at("XMP-exif:DateTimeOriginal"), "2026:11:25 16:35:52.123+00:00");
}

TEST(SidecarExiftool, StripGpsKeepsTimeAndSequence) {
  TempDir dir;
  auto packet = make_sidecar(base_record(), base_context());
  ASSERT_TRUE(packet.ok()) << packet.error().message;
  const json before = exiftool(dir.path(), "before.xmp", *packet);
  ASSERT_TRUE(has_gps_tag(before));
  auto stripped = strip_gps(*packet);
  ASSERT_TRUE(stripped.ok()) << stripped.error().message;
  EXPECT_EQ(stripped->find("GPS"), std::string::npos);
  const json j = exiftool(dir.path(), "after.xmp", *stripped);
  SCOPED_TRACE(j.dump(2));
  EXPECT_FALSE(has_gps_tag(j));
  EXPECT_FALSE(j.contains("XMP-exif:GPSStatus"));
  EXPECT_FALSE(j.contains("XMP-tetherbox:GpsSource"));
  EXPECT_EQ(j.at("XMP-tetherbox:GpsStatus"), "stripped");
  EXPECT_EQ(j.at("XMP-exif:DateTimeOriginal"), "2026:11:25 16:35:52.123+00:00");
  EXPECT_EQ(j.at("XMP-tetherbox:Seq").get<int>(), 17);
  EXPECT_NEAR(j.at("XMP-exifEX:AmbientTemperature").get<double>(), -5.3, 1e-9);
  EXPECT_EQ(j.at("XMP-tetherbox:Faults").size(), 2u);
}

TEST(SidecarExiftool, StripGpsRejectsGarbage) {
  auto r = strip_gps("this is not xmp <x:xmpmeta");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, tb::Errc::invalid);
}

TEST(SidecarExiftool, ConcurrentWritersProduceIdenticalPackets) {
  const auto expected = make_sidecar(base_record(), base_context()).value();
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        auto p = make_sidecar(base_record(), base_context());
        if (!p.ok() || *p != expected) ++mismatches;
        auto s = strip_gps(expected);
        if (!s.ok() || s->find("GPSLatitude") != std::string::npos) ++mismatches;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(SidecarExiftool, NoFixReasonIsSaidOnce) {
  TempDir dir;
  FrameRecord r = base_record();
  r.gps = {};
  r.gps.reason = "no fix";  // what the GPS sampler reports for mode 0/1
  r.gps.source = "gpsd";
  const json j = exiftool(dir.path(), "nofix.xmp", make_sidecar(r, base_context()).value());
  SCOPED_TRACE(j.dump(2));
  EXPECT_EQ(j.at("XMP-exif:GPSStatus"), "V");
  EXPECT_EQ(j.at("XMP-tetherbox:GpsStatus"), "no fix");
  EXPECT_EQ(j.at("XMP-tetherbox:GpsSource"), "gpsd");
  r.gps.reason.clear();
  const json k = exiftool(dir.path(), "nodata.xmp", make_sidecar(r, base_context()).value());
  EXPECT_EQ(k.at("XMP-tetherbox:GpsStatus"), "no fix: no data");
}

TEST(SidecarExiftool, GpsDopIsTheOneTheMeasureModeNames) {
  TempDir dir;
  FrameRecord r = base_record();
  r.gps.pdop.reset();  // a 3D fix whose PDOP is unknown: HDOP must not pose as PDOP
  json j = exiftool(dir.path(), "3d_hdop_only.xmp", make_sidecar(r, base_context()).value());
  EXPECT_EQ(j.at("XMP-exif:GPSMeasureMode").get<int>(), 3);
  EXPECT_FALSE(j.contains("XMP-exif:GPSDOP")) << j.dump(2);
  EXPECT_NEAR(j.at("XMP-tetherbox:GpsHdop").get<double>(), 0.9, 1e-9);
  EXPECT_FALSE(j.contains("XMP-tetherbox:GpsPdop"));

  r = base_record();
  r.gps.mode = 2;  // 2D: the HDOP
  j = exiftool(dir.path(), "2d.xmp", make_sidecar(r, base_context()).value());
  EXPECT_NEAR(j.at("XMP-exif:GPSDOP").get<double>(), 0.9, 1e-9) << j.dump(2);

  r.gps.mode = 0;  // a fix whose mode is unknown: no mode, so no DOP of either kind in exif:
  j = exiftool(dir.path(), "nomode.xmp", make_sidecar(r, base_context()).value());
  EXPECT_FALSE(j.contains("XMP-exif:GPSMeasureMode")) << j.dump(2);
  EXPECT_FALSE(j.contains("XMP-exif:GPSDOP")) << j.dump(2);
  EXPECT_EQ(j.at("XMP-exif:GPSStatus"), "A");
}

// Issue 8 item 6: invalid UTF-8 in metadata.creator (or any string from YAML or a camera) made
// the XMP toolkit throw and every sidecar was dropped. Now each is repaired and said.
TEST(SidecarExiftool, InvalidUtf8IsRepairedAndReportedNeverDropsTheSidecar) {
  TempDir dir;
  FrameRecord r = base_record();
  r.position.light = "key\xC3";             // truncated sequence
  r.gps.source = "gps\x01";                 // a C0 control: XML cannot carry it
  r.ambient.sensor_id = "bme\xED\xA0\x80";  // an encoded surrogate
  r.faults = {"camera said \xFF"};
  r.files[0].camera_name = "DSC\xC0\xAF.DNG";  // overlong '/'
  SidecarContext c = base_context();
  c.creator = "Jos\xE9 Photographer";  // Latin-1 é
  c.copyright = "lang=\"de\" (c) \xA9";
  c.camera_model = "Nikon \xFE";
  c.camera_serial = "30\x80";
  c.lens = "50mm \xF5";
  c.session = "orbit \xF8";
  auto s = render_sidecar(r, c);
  ASSERT_TRUE(s.ok()) << s.error().message;
  // One repair line per property (the record's own faults are repaired, not listed again).
  EXPECT_EQ(s->repairs.size(), 10u) << json(s->repairs).dump(2);
  const json j = exiftool(dir.path(), "bad_utf8.xmp", s->packet);
  SCOPED_TRACE(j.dump(2));
  EXPECT_EQ(j.at("XMP-dc:Creator"), "Jos\uFFFD Photographer");
  EXPECT_EQ(j.at("XMP-dc:Rights"), "lang=\"de\" (c) \uFFFD");
  EXPECT_EQ(j.at("XMP-tiff:Model"), "Nikon \uFFFD");
  EXPECT_EQ(j.at("XMP-exifEX:SerialNumber"), "30\uFFFD");
  EXPECT_EQ(j.at("XMP-exifEX:LensModel"), "50mm \uFFFD");
  EXPECT_EQ(j.at("XMP-tetherbox:Session"), "orbit \uFFFD");
  EXPECT_EQ(j.at("XMP-tetherbox:LightPreset"), "key\uFFFD");
  EXPECT_EQ(j.at("XMP-tetherbox:GpsSource"), "gps\uFFFD");
  EXPECT_EQ(j.at("XMP-tetherbox:AmbientSensor"), "bme\uFFFD\uFFFD\uFFFD");
  EXPECT_EQ(j.at("XMP-tetherbox:CameraFileName"), "DSC\uFFFD\uFFFD.DNG");
  const auto faults = j.at("XMP-tetherbox:Faults");
  ASSERT_EQ(faults.size(), 11u);  // the record's one fault + 10 repairs
  EXPECT_EQ(faults[0], "camera said \uFFFD");
  bool creator_said = false;
  for (const auto& f : faults)
    creator_said = creator_said || f.get<std::string>().find("dc:creator") != std::string::npos;
  EXPECT_TRUE(creator_said) << faults.dump(2);
  EXPECT_EQ(j.at("XMP-tetherbox:Seq").get<int>(), 17);
}

TEST(SidecarExiftool, CleanTextIsNotReportedAsRepaired) {
  auto s = render_sidecar(base_record(), base_context());
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_TRUE(s->repairs.empty());
  SidecarContext c = base_context();
  c.creator = "Zoë Ångström 写真 📷\ttab";
  s = render_sidecar(base_record(), c);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_TRUE(s->repairs.empty()) << json(s->repairs).dump();
}

// exiftool "-xmp<=NAME.xmp" refuses a file that starts with an XML declaration.
TEST(SidecarExiftool, PacketStartsAtXmpmeta) {
  const auto p = make_sidecar(base_record(), base_context()).value();
  EXPECT_EQ(p.rfind("<x:xmpmeta", 0), 0u) << p.substr(0, 80);
}

// A sidecar names the record it was made from: asked to describe another frame's original,
// the writer refuses instead of binding this record to that file.
TEST(SidecarExiftool, RefusesToDescribeAnotherFramesOriginal) {
  SidecarContext c = base_context();
  c.original_file = "orbit_00018.dng";
  auto s = render_sidecar(base_record(), c);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("orbit_00018.dng"), std::string::npos) << s.error().message;
}

// A camera that reports no exposure: EXIF gets the commanded one, and the sidecar says so.
TEST(SidecarExiftool, CommandedExposureIsNamedAsSuch) {
  TempDir dir;
  FrameRecord r = base_record();
  r.reported_valid = false;
  r.exposure_verified = false;
  const json j = exiftool(dir.path(), "unreported.xmp", make_sidecar(r, base_context()).value());
  EXPECT_NEAR(j.at("XMP-exif:FNumber").get<double>(), 8.0, 1e-9);
  EXPECT_EQ(j.at("XMP-tetherbox:ExposureSource"),
            "commanded (the camera reported no exposure for this frame)");
  EXPECT_EQ(j.at("XMP-tetherbox:ReportedValid"), false);
}
