// File names from templates: fields and specs, uniqueness over a whole plan, sanitising, errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <set>

#include "tetherbox/capture/naming.hpp"
#include "tetherbox/capture/plan.hpp"

namespace tb::capture {
namespace {

using ::testing::HasSubstr;

config::Light light(const std::string& name) {
  config::Light l;
  l.name = name;
  return l;
}

const std::string kDefaultTemplate = config::Storage{}.name_template;

FrameRecord record(uint64_t seq, double az, double el, const std::string& light, double ev) {
  FrameRecord r;
  r.seq = seq;
  r.request_id = seq + 1000;
  r.position.azimuth_deg = az;
  r.position.elevation_deg = el;
  r.position.light = light;
  r.position.ev_offset = ev;
  return r;
}

NameTemplate must_parse(const std::string& text) {
  auto t = NameTemplate::parse(text);
  EXPECT_TRUE(t.ok()) << text << ": " << (t.ok() ? "" : t.error().message);
  return t.ok() ? *t : NameTemplate{};
}

TEST(NameTemplate, RendersDefaultTemplate) {
  ASSERT_EQ(kDefaultTemplate, "{session}_{seq:05}_{light}_{ev:+.1f}_az{az:03}_el{el:+03}");
  const auto t = must_parse(kDefaultTemplate);
  EXPECT_EQ(t.text(), kDefaultTemplate);
  EXPECT_EQ(t.render("bench", record(7, 51.43, 30, "key", -1.0)),
            "bench_00007_key_-1.0_az051_el+30");
  // Azimuth and elevation round to whole degrees; 359.7 is the same place as 0.
  EXPECT_EQ(t.render("s", record(123456, 359.7, -15.4, "rim", 0.5)),
            "s_123456_rim_+0.5_az000_el-15");
  // A -0.0 offset is not a different bracket from +0.0.
  EXPECT_EQ(t.render("s", record(1, 90, 0, "a", -0.0)), "s_00001_a_+0.0_az090_el+00");
}

TEST(NameTemplate, AllFields) {
  const auto t = must_parse(
      "{session}-{seq}-{ring}-{idx}-{light}-{ev}-{az}-{el}-{bracket}-{req}-"
      "{date}T{time}");
  auto r = record(42, 12.6, 45.0, "key", -0.5);
  r.position.ring = 2;
  r.position.index_in_ring = 3;
  r.position.bracket_step = 1;
  // 2025-11-25 16:35:52 UTC = 20417 days * 86400 + 59752 s since 1970-01-01.
  r.trigger_utc = UtcTime{std::chrono::seconds{20417LL * 86400 + 16 * 3600 + 35 * 60 + 52}};
  EXPECT_EQ(t.render("S", r), "S-42-2-3-key--0.5-13-45-1-1042-20251125T163552");
}

TEST(NameTemplate, LiteralBraces) {
  const auto t = must_parse("{{x}}{seq}");
  EXPECT_EQ(t.render("s", record(3, 0, 0, "a", 0)), "-x-3");  // braces are not file-safe
}

TEST(NameTemplate, Sanitises) {
  const auto t = must_parse("{session}_{seq}");
  // Space and slash become '-', and each UTF-8 character becomes one '-'.
  EXPECT_EQ(t.render("my shoot/été", record(7, 0, 0, "a", 0)), "my-shoot--t-_7");
  // No path tricks and no hidden files.
  EXPECT_EQ(t.render("../etc", record(7, 0, 0, "a", 0)), "-.-etc_7");
  const auto light = must_parse("{seq}_{light}");
  const std::string name = light.render("s", record(1, 0, 0, "key:left*\"50%\"", 0));
  EXPECT_EQ(name, "1_key-left--50--");
  for (char c : name) {
    EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '+' ||
                c == '-')
        << c;
  }
}

TEST(NameTemplate, UniqueOverAFullPlan) {
  config::Config cfg;
  cfg.orbit.rings = {config::Ring{0.0, 72}, config::Ring{30.0, 36}, config::Ring{60.0, 18}};
  cfg.lighting.lights = {light("a"), light("b")};
  cfg.lighting.presets = {config::LightingPreset{"a", {"a"}, 100},
                          config::LightingPreset{"b", {"b"}, 100},
                          config::LightingPreset{"ab", {"a", "b"}, 100}};
  cfg.brackets.ev = {-2, -1, -0.3, 0, 0.3, 1, 2};
  auto plan = make_plan(cfg);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  ASSERT_EQ(plan->shots.size(), 126u * 3 * 7);

  for (const std::string& text :
       {kDefaultTemplate, std::string("{ring}_{az}_{light}_{ev:+.1f}"), std::string("{req}")}) {
    const auto t = must_parse(text);
    std::set<std::string> names;
    for (const auto& s : plan->shots) {
      FrameRecord r;
      r.seq = s.seq;
      r.request_id = s.seq + 1;
      r.position = s.position;
      names.insert(t.render("turntable", r));
    }
    EXPECT_EQ(names.size(), plan->shots.size()) << text;
  }
}

void expect_bad(const std::string& text, const std::string& fragment) {
  auto t = NameTemplate::parse(text);
  ASSERT_FALSE(t.ok()) << text;
  EXPECT_EQ(t.error().code, Errc::invalid);
  EXPECT_THAT(t.error().message, HasSubstr(fragment)) << text;
}

TEST(NameTemplate, BadTemplates) {
  expect_bad("", "empty");
  expect_bad("{session}_{frame}_{seq}", "unknown field {frame}");
  expect_bad("{seq:.2f}", "format spec ':.2f' does not suit field {seq}");
  expect_bad("{seq}_{light:05d}", "does not suit field {light}");
  expect_bad("{seq}_{ev:q}", "field {ev}");
  expect_bad("{seq", "never closed");
  expect_bad("seq}", "unmatched '}'");
  expect_bad("{se{q}}", "nested");
  expect_bad("{session}_{light}_{ev}", "cannot make names unique");
  expect_bad("{ring}_{az}_{light}", "include {seq} or {req}");
  // Any one of the uniqueness rules is enough.
  EXPECT_TRUE(NameTemplate::parse("{req}").ok());
  EXPECT_TRUE(NameTemplate::parse("x{seq:08}").ok());
  EXPECT_TRUE(NameTemplate::parse("{light}{ev}{az}{ring}").ok());
}

}  // namespace
}  // namespace tb::capture
