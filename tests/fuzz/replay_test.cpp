// Replays the fuzz corpus (seeds and every crasher the fuzzer found, kept as regression
// inputs) and the shipped examples through the fuzz property, under the normal build.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "harness.hpp"

namespace {

namespace fs = std::filesystem;

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(FuzzReplay, EveryCorpusInputHoldsTheProperty) {
  int n = 0;
  for (const char* dir : {TB_FUZZ_CORPUS, TB_CONFIG_EXAMPLES}) {
    for (const auto& e : fs::directory_iterator(dir)) {
      if (!e.is_regular_file() || e.path().filename().string().front() == '.') continue;
      ++n;
      EXPECT_EQ(tb::fuzz::check_config_text(read(e.path())), "") << e.path();
    }
  }
  EXPECT_GE(n, 8);
}

// The examples must not only hold the property but pass (they are what users copy).
TEST(FuzzReplay, ExamplesAreAccepted) {
  for (const auto& e : fs::directory_iterator(TB_CONFIG_EXAMPLES)) {
    if (e.path().extension() != ".yaml") continue;
    // usb-camera.yaml names gphoto2, which the fuzz table does not build: skip it here.
    if (e.path().filename() == "usb-camera.yaml") continue;
    bool accepted = false;
    EXPECT_EQ(tb::fuzz::check_config_text(read(e.path()), &accepted), "") << e.path();
    EXPECT_TRUE(accepted) << e.path();
  }
}

}  // namespace
