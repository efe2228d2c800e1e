// Chip by label/name/number/path and line by number/name, and the errors a person gets when
// the config names something the board does not have.
#include <gtest/gtest.h>

#include "fake_line_source.hpp"

namespace tb::hal::gpiod_backend {
namespace {

using namespace testing;

struct Pi5 : ::testing::Test {
  std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>();
  std::shared_ptr<FakeLineSource> src = FakeLineSource::pi5(clock);
  Result<LineAddress> resolve(const std::string& chip, int offset, const std::string& name = "") {
    return resolve_line(LineSpec{chip, offset, name}, *src);
  }
};

void expect_at(const Result<LineAddress>& r, const std::string& path, unsigned offset) {
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->chip_path, path);
  EXPECT_EQ(r->offset, offset);
}

TEST_F(Pi5, ChipByLabelNameNumberOrPath) {
  expect_at(resolve("pinctrl-rp1", 17), "/dev/gpiochip4", 17);
  expect_at(resolve("gpiochip4", 17), "/dev/gpiochip4", 17);
  expect_at(resolve("4", 17), "/dev/gpiochip4", 17);
  expect_at(resolve("/dev/gpiochip4", 17), "/dev/gpiochip4", 17);
  EXPECT_EQ(resolve("pinctrl-rp1", 17)->describe, "line 17 (GPIO17) of gpiochip4 [pinctrl-rp1]");
}

TEST_F(Pi5, LineByNameOnAChipOrAcrossAllChips) {
  expect_at(resolve("pinctrl-rp1", -1, "GPIO22"), "/dev/gpiochip4", 22);
  expect_at(resolve("", -1, "RP1_RUN"), "/dev/gpiochip10", 2);
}

TEST_F(Pi5, ChipThatDoesNotExistListsTheChipsThereAre) {
  auto r = resolve("pinctrl-bcm2711", 17);  // a Pi 4 config on a Pi 5
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::not_found);
  const auto& m = r.error().message;
  EXPECT_NE(m.find("'pinctrl-bcm2711'"), std::string::npos) << m;
  EXPECT_NE(m.find("gpiochip4 [pinctrl-rp1, 54 lines]"), std::string::npos) << m;
  EXPECT_NE(m.find("gpiodetect"), std::string::npos) << m;
  auto p = resolve("/dev/gpiochip99", 1);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message.find("/dev/gpiochip99"), std::string::npos);
}

TEST_F(Pi5, LineThatDoesNotExist) {
  auto r = resolve("pinctrl-rp1", 54);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::not_found);
  EXPECT_NE(r.error().message.find("chip 'pinctrl-rp1' line 54"), std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().message.find("lines 0..53 only"), std::string::npos) << r.error().message;
  auto n = resolve("pinctrl-rp1", -1, "GPIO99");
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.error().message.find("no line named 'GPIO99' on gpiochip4"), std::string::npos)
      << n.error().message;
  auto any = resolve("", -1, "NOPE");
  ASSERT_FALSE(any.ok());
  EXPECT_NE(any.error().message.find("'NOPE' not found on any chip"), std::string::npos);
}

TEST_F(Pi5, AmbiguousOrIncompleteSpecsAreRefusedNotGuessed) {
  src->add_chip("gpiochip20", "pinctrl-rp1", {"GPIO17"});
  auto label = resolve("pinctrl-rp1", 1);
  ASSERT_FALSE(label.ok());
  EXPECT_EQ(label.error().code, Errc::invalid);
  EXPECT_NE(label.error().message.find("2 chips carry this label"), std::string::npos);
  auto name = resolve("", -1, "GPIO17");
  ASSERT_FALSE(name.ok());
  EXPECT_NE(name.error().message.find("exists 2 times"), std::string::npos) << name.error().message;
  auto none = resolve("gpiochip4", -1);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message.find("no line given"), std::string::npos);
  auto nochip = resolve("", 17);
  ASSERT_FALSE(nochip.ok());
  EXPECT_NE(nochip.error().message.find("needs a chip"), std::string::npos);
}

TEST_F(Pi5, ChipThatCannotBeOpenedSaysWhy) {
  src->add_unopenable_chip("gpiochip30", "Permission denied");
  auto r = resolve("gpiochip30", 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::refused);
  EXPECT_NE(r.error().message.find("Permission denied"), std::string::npos);
  expect_at(resolve("pinctrl-rp1", 3), "/dev/gpiochip4", 3);  // the others still resolve
}

TEST(RequestFailure, NamesTheLineTheHolderAndWhatToCheck) {
  const LineAddress a{"/dev/gpiochip4", 17, "line 17 (GPIO17) of gpiochip4 [pinctrl-rp1]"};
  const Error busy =
      request_failure(Error{Errc::busy, "Device or resource busy"}, a, "an output", "gpio-keys");
  EXPECT_EQ(busy.code, Errc::busy);
  EXPECT_NE(busy.message.find("line 17 (GPIO17) of gpiochip4 [pinctrl-rp1]"), std::string::npos);
  EXPECT_NE(busy.message.find("'gpio-keys'"), std::string::npos);
  EXPECT_NE(busy.message.find("gpioinfo"), std::string::npos);
  const Error perm = request_failure(Error{Errc::refused, "Permission denied"}, a, "an output", "");
  EXPECT_NE(perm.message.find("'gpio' group"), std::string::npos);
}

}  // namespace
}  // namespace tb::hal::gpiod_backend
