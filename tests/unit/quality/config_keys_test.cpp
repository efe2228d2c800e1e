// The retake and test-shot keys are range-checked like every number of the config: a value out
// of range names the key, the range and where it is (file:line:col).
#include <gtest/gtest.h>

#include "tetherbox/config/load.hpp"

namespace tb::config {
namespace {

void expect_refused(const std::string& yaml, const std::string& key, const std::string& where) {
  auto c = load_string(yaml, "box.yaml");
  ASSERT_FALSE(c.ok()) << yaml;
  EXPECT_NE(c.error().message.find(key), std::string::npos) << c.error().message;
  EXPECT_NE(c.error().message.find(where), std::string::npos) << c.error().message;
}

TEST(QualityConfigKeys, OutOfRangeValuesAreRefusedWithTheirPlace) {
  expect_refused("quality:\n  max_retakes: 11\n", "quality.max_retakes", "box.yaml:2:");
  expect_refused("quality: {retake_extra_settle_ms: -5}\n", "quality.retake_extra_settle_ms",
                 "box.yaml:1:");
  expect_refused("turntable:\n  sim: {needed_settle_ms: 9999999}\n",
                 "turntable.sim.needed_settle_ms", "box.yaml:2:");
  expect_refused("exposure: {test_shot: true, target_median: 2}\n", "exposure.target_median",
                 "box.yaml:1:");
  expect_refused("exposure: {test_shot: maybe}\n", "exposure.test_shot", "box.yaml:1:");
}

TEST(QualityConfigKeys, DefaultsRetakeTwiceAndTakeNoTestShot) {
  auto c = load_string(
      "camera: {backend: sim}\nquality: {max_retakes: 3}\nexposure: {test_shot: true}\n",
      "box.yaml");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->quality.max_retakes, 3);
  EXPECT_TRUE(c->exposure.test_shot);
  EXPECT_FALSE(c->exposure.test_shot_apply);
  EXPECT_EQ(Config{}.quality.max_retakes, 2);
  EXPECT_FALSE(Config{}.exposure.test_shot);
}

}  // namespace
}  // namespace tb::config
