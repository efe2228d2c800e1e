#include "suggest.hpp"

#include <gtest/gtest.h>

namespace tb::config::detail {
namespace {

TEST(ConfigSuggest, EditDistance) {
  EXPECT_EQ(edit_distance("aperture", "aperture"), 0u);
  EXPECT_EQ(edit_distance("aperature", "aperture"), 1u);
  EXPECT_EQ(edit_distance("ios", "iso"), 1u);  // transposition counts once
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
}

TEST(ConfigSuggest, ClosestMatch) {
  const std::vector<std::string> keys = {"shutter", "aperture", "iso"};
  EXPECT_EQ(closest_match("aperature", keys), "aperture");
  EXPECT_EQ(closest_match("Shutter", keys), "shutter");
  EXPECT_EQ(closest_match("ios", keys), "iso");
  EXPECT_EQ(closest_match("zoom", keys), std::nullopt);
  EXPECT_EQ(closest_match("x", {"y"}), std::nullopt);  // a one-letter key is not a typo of another
  EXPECT_EQ(closest_match("anything", {}), std::nullopt);
}

}  // namespace
}  // namespace tb::config::detail
