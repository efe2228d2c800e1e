// The export's sidecar GPS removal without the XMP toolkit (delivery/src/export_xmp_gps.hpp):
// on sidecars made by capture::make_sidecar (exiv2) it gives exactly capture::strip_gps's
// bytes, and it declines (nullopt, so the export uses exiv2) whatever it does not recognise or
// would leave with a trace of GPS.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "export_xmp_gps.hpp"
#include "tetherbox/capture/sidecar.hpp"

namespace {

using namespace tb::capture;
using tb::delivery::strip_gps_sidecar_text;

FrameRecord record() {
  FrameRecord r;
  r.request_id = 7;
  r.seq = 3;
  r.name = "orbit_00003_key_+0.0_az045";
  r.position = {.ring = 1,
                .index_in_ring = 2,
                .azimuth_deg = 45.0,
                .elevation_deg = 30.0,
                .light = "key",
                .bracket_step = 0,
                .ev_offset = 0.0};
  r.commanded = {.shutter_s = 1.0 / 125.0, .aperture = 8.0, .iso = 100, .ev_comp = 0.0};
  r.reported = r.commanded;
  r.exposure_verified = true;
  r.attempts = 1;
  r.trigger_utc = tb::UtcTime(std::chrono::sys_days(std::chrono::year(2026) / 11 / 25) +
                              std::chrono::hours(16) + std::chrono::milliseconds(123));
  r.gps = {.fix = true,
           .reason = "",
           .mode = 3,
           .lat_deg = -33.8568,
           .lon_deg = 151.2153,
           .alt_msl_m = 12.0,
           .hdop = 0.9,
           .pdop = 1.6,
           .fix_age_s = 0.5,
           .source = "sim"};
  r.ambient = {.available = true,
               .reason = "",
               .temperature_c = 21.5,
               .humidity_pct = 40.0,
               .pressure_hpa = 1013.0,
               .sensor_id = "sim",
               .reading_age_s = 0.2};
  r.files = {{"original", "data/frames/orbit_00003.jpg", "DSC_0003.JPG", 10, "ab"}};
  r.faults = {"retry after busy", "a fault with <markup> & \"quotes\""};
  return r;
}

SidecarContext context() {
  SidecarContext c;
  c.session = "2026-11-25T160000Z_orbit";
  c.camera_model = "Nikon D850";
  c.camera_serial = "3012345";
  c.lens = "AF-S NIKKOR 50mm f/1.8G";
  c.focal_length_mm = 50;
  c.original_file = "orbit_00003.jpg";
  return c;
}

// Both ways on one sidecar: the text way answers, with exiv2's bytes.
void expect_same_as_exiv2(const FrameRecord& r, const SidecarContext& c) {
  const auto packet = make_sidecar(r, c);
  ASSERT_TRUE(packet.ok()) << packet.error().message;
  ASSERT_NE(packet->find("Gps"), std::string::npos);
  const auto exiv2 = strip_gps(*packet);
  ASSERT_TRUE(exiv2.ok()) << exiv2.error().message;
  const auto text = strip_gps_sidecar_text(*packet);
  ASSERT_TRUE(text.has_value()) << "not recognised:\n" << *packet;
  EXPECT_EQ(*text, *exiv2);
  EXPECT_EQ(text->find("GPS"), std::string::npos);
  EXPECT_NE(text->find("<tetherbox:GpsStatus>stripped</tetherbox:GpsStatus>"), std::string::npos);
}

}  // namespace

TEST(ExportXmpGps, SameBytesAsExiv2WithAFix) {
  expect_same_as_exiv2(record(), context());
}

TEST(ExportXmpGps, SameBytesAsExiv2WithoutAFix) {
  FrameRecord r = record();
  r.gps = GpsRecord{};
  r.gps.fix = false;
  r.gps.reason = "no receiver";
  r.gps.source = "none";
  expect_same_as_exiv2(r, context());
}

TEST(ExportXmpGps, SameBytesAsExiv2WithCreatorRightsAndNoFaults) {
  FrameRecord r = record();
  r.faults.clear();
  SidecarContext c = context();
  c.creator = "A. Photographer & Co <studio>";
  c.copyright = "CC-BY-4.0";
  expect_same_as_exiv2(r, c);
}

TEST(ExportXmpGps, SameBytesAsExiv2WithTwoOriginals) {
  FrameRecord r = record();
  r.files.push_back({"original", "data/frames/orbit_00003.dng", "DSC_0003.DNG", 20, "cd"});
  expect_same_as_exiv2(r, context());
}

TEST(ExportXmpGps, DeclinesWhenSomethingElseSaysGps) {
  // A session named after GPS: the text way cannot tell it from a property it missed.
  SidecarContext c = context();
  c.session = "gps-survey";
  const auto packet = make_sidecar(record(), c);
  ASSERT_TRUE(packet.ok());
  EXPECT_FALSE(strip_gps_sidecar_text(*packet).has_value());
  const auto exiv2 = strip_gps(*packet);
  ASSERT_TRUE(exiv2.ok());
  EXPECT_EQ(exiv2->find("GPSLatitude"), std::string::npos);
}

TEST(ExportXmpGps, DeclinesOtherLayouts) {
  const auto packet = make_sidecar(record(), context()).value();
  // GPS as an attribute of its block (valid XMP, not exiv2's layout).
  const std::string attr =
      "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n <rdf:RDF "
      "xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n  <rdf:Description "
      "rdf:about=\"\" xmlns:exif=\"http://ns.adobe.com/exif/1.0/\" "
      "exif:GPSLatitude=\"33,51.4N\"/>\n </rdf:RDF>\n</x:xmpmeta>\n";
  EXPECT_FALSE(strip_gps_sidecar_text(attr).has_value());
  // The exif namespace under another prefix.
  std::string renamed = packet;
  for (size_t at; (at = renamed.find("exif:")) != std::string::npos;) renamed.replace(at, 5, "ex:");
  EXPECT_FALSE(strip_gps_sidecar_text(renamed).has_value());
  // A value spread over two lines, and a packet cut short.
  std::string two_lines = packet;
  two_lines.insert(two_lines.find("</tetherbox:Session>"), "\nmore");
  EXPECT_FALSE(strip_gps_sidecar_text(two_lines).has_value());
  EXPECT_FALSE(strip_gps_sidecar_text(packet.substr(0, packet.size() / 2)).has_value());
  EXPECT_FALSE(strip_gps_sidecar_text("").has_value());
  EXPECT_FALSE(strip_gps_sidecar_text("this is not xmp <x:xmpmeta").has_value());
}

TEST(ExportXmpGps, ABlockLeftEmptyGoesToExiv2) {
  // Only GPS in the exif block: exiv2 drops the block; the text way leaves that to it.
  const std::string packet =
      "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\" x:xmptk=\"XMP Core 4.4.0-Exiv2\">\n"
      "   <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n"
      "      <rdf:Description rdf:about=\"\"\n"
      "            xmlns:exif=\"http://ns.adobe.com/exif/1.0/\">\n"
      "         <exif:GPSLatitude>33,51.40800000S</exif:GPSLatitude>\n"
      "      </rdf:Description>\n"
      "      <rdf:Description rdf:about=\"\"\n"
      "            xmlns:tetherbox=\"http://tetherbox.dev/ns/1.0/\">\n"
      "         <tetherbox:Seq>1</tetherbox:Seq>\n"
      "      </rdf:Description>\n"
      "   </rdf:RDF>\n"
      "</x:xmpmeta>";
  EXPECT_FALSE(strip_gps_sidecar_text(packet).has_value());
  const auto exiv2 = strip_gps(packet);
  ASSERT_TRUE(exiv2.ok()) << exiv2.error().message;
  EXPECT_EQ(exiv2->find("GPS"), std::string::npos);
}
