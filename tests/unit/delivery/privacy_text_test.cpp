#include <gtest/gtest.h>

#include "tetherbox/capture/record.hpp"
#include "tetherbox/delivery/privacy.hpp"

namespace tb::delivery {
namespace {

TEST(PrivacyJson, FrameRecordLosesItsPositionButStillParsesWithItsTime) {
  capture::FrameRecord r;
  r.name = "f";
  r.gps.fix = true;
  r.gps.mode = 3;
  r.gps.lat_deg = -33.8568;
  r.gps.lon_deg = 151.2153;
  r.gps.alt_msl_m = 12;
  r.gps.source = "sim";
  r.trigger_utc = UtcTime{std::chrono::microseconds(1'700'000'000'123'456)};
  auto j = capture::to_json(r);
  const auto utc = j.at("trigger_utc");
  EXPECT_GT(strip_gps_json(j), 0u);
  EXPECT_EQ(j.at("gps"), (nlohmann::json{{"fix", false}, {"reason", kGpsRemoved}}));
  EXPECT_EQ(j.at("trigger_utc"), utc);
  const auto back = capture::frame_record_from_json(j);
  EXPECT_FALSE(back.gps.fix);
  EXPECT_EQ(back.gps.reason, kGpsRemoved);
  EXPECT_EQ(back.name, "f");
}

TEST(PrivacyJson, CoordinateKeysGoAtAnyDepthOtherKeysStay) {
  auto j = nlohmann::json::parse(
      R"({"a":[{"lat":1,"lon":2,"keep":3}],"b":{"latitude":1,"longitude":2,"altitude":3},
          "lateness":4,"gps":{"lat_deg":{"min":1,"max":2},"frames_with_fix":3}})");
  strip_gps_json(j);
  EXPECT_EQ(j.dump(), nlohmann::json::parse(
                          R"j({"a":[{"keep":3}],"b":{},"lateness":4,
                              "gps":{"fix":false,"reason":"removed on export (privacy)"}})j")
                          .dump());
}

TEST(PrivacyJson, JsonLinesAreStrippedLineByLineAndABadLineIsNamed) {
  auto ok = strip_gps_jsonl("{\"gps\":{\"lat_deg\":1}}\n{\"type\":\"x\",\"lon_deg\":2}\n", "j");
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(*ok,
            "{\"gps\":{\"fix\":false,\"reason\":\"removed on export (privacy)\"}}\n"
            "{\"type\":\"x\"}\n");
  auto bad = strip_gps_jsonl("{\"a\":1}\n{\"lat_deg\":1\n", "journal.jsonl");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("journal.jsonl:2"), std::string::npos) << bad.error().message;
}

TEST(PrivacyYaml, SnapshotLosesCoordinatesKeepsTheRest) {
  auto out = strip_gps_yaml(
      "gps:\n  backend: sim\n  sim:\n    lat_deg: -33.8568\n    lon_deg: 151.2153\n"
      "    alt_msl_m: 12\n    speed_m_s: 0.5\nsession: {name: x}\n",
      "session.yaml");
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(out->find("lat_deg"), std::string::npos) << *out;
  EXPECT_EQ(out->find("33.85"), std::string::npos) << *out;
  EXPECT_EQ(out->find("151"), std::string::npos) << *out;
  EXPECT_NE(out->find("speed_m_s: 0.5"), std::string::npos) << *out;
  EXPECT_NE(out->find("name: x"), std::string::npos) << *out;
  EXPECT_FALSE(strip_gps_yaml("a: [1, 2\n", "bad.yaml"));
}

}  // namespace
}  // namespace tb::delivery
