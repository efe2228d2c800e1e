#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_util.hpp"

namespace tb::config::test {
namespace {

TEST(ConfigShutter, AcceptedForms) {
  struct Case {
    const char* text;
    double seconds;
  };
  for (const Case& c : {Case{"1/125", 0.008}, Case{"1/8000", 1.0 / 8000}, Case{"2", 2.0},
                        Case{"0.5", 0.5}, Case{"1\"", 1.0}, Case{"2.5\"", 2.5},
                        Case{" 1/60 ", 1.0 / 60}, Case{"30", 30.0}, Case{"1/1.6", 0.625}}) {
    auto r = parse_shutter(c.text);
    ASSERT_TRUE(r.ok()) << c.text << ": " << r.error().message;
    EXPECT_DOUBLE_EQ(*r, c.seconds) << c.text;
  }
}

TEST(ConfigShutter, Rejected) {
  for (const char* bad : {"", "fast", "1/0", "0", "-1/125", "1/", "/125", "1/125/2", "1e-3", "inf",
                          "nan", "1//2", "\"", "0\"", "1/125s", "+2"}) {
    auto r = parse_shutter(bad);
    ASSERT_FALSE(r.ok()) << "accepted '" << bad << "' as " << *r;
    EXPECT_EQ(r.error().code, Errc::invalid);
    EXPECT_THAT(r.error().message, ::testing::HasSubstr("is not a shutter time; expected"));
  }
}

TEST(ConfigShutter, LoaderFillsSecondsFromTextOrNumber) {
  for (const auto& [yaml, seconds] :
       std::vector<std::pair<std::string, double>>{{"shutter: \"1/250\"", 0.004},
                                                   {"shutter: 1/250", 0.004},
                                                   {"shutter: 2", 2.0},
                                                   {"shutter: 0.5", 0.5},
                                                   {"shutter: 1\"", 1.0}}) {
    auto r = load_string("camera:\n  backend: sim\n  exposure:\n    " + yaml + "\n");
    ASSERT_TRUE(r.ok()) << yaml << ": " << r.error().message;
    EXPECT_DOUBLE_EQ(r->camera.exposure.shutter_s, seconds) << yaml;
  }
}

}  // namespace
}  // namespace tb::config::test
