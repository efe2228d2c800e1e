// The DNG the sim camera writes, read back by an independent reader (dcraw).
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "sim_test_support.hpp"
#include "tetherbox/hal/sim/sim.hpp"

namespace tb::hal::sim {
namespace {

std::string run(const std::string& cmd, int* status) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  std::array<char, 512> buf{};
  while (fgets(buf.data(), buf.size(), p) != nullptr) out += buf.data();
  *status = pclose(p);
  return out;
}

TEST(SimDng, DcrawIdentifiesTheSimCamerasRaw) {
  auto cfg = test::small_config(300, 200);
  cfg.camera.format = "raw";
  auto world = make_world();
  {
    std::lock_guard lock(world->mu);
    world->lights_on = {"key"};
  }
  auto cam = make_camera(world, cfg, std::make_shared<test::FakeClock>());
  ASSERT_TRUE(cam->open().ok());
  auto r = cam->capture(1);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->files.size(), 1u);
  EXPECT_EQ(r->files[0].extension, "dng");
  EXPECT_EQ(r->files[0].mime, "image/x-adobe-dng");
  EXPECT_TRUE(r->files[0].camera_name.ends_with(".DNG"));

  const auto dir =
      std::filesystem::temp_directory_path() / ("tb_sim_dng_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto path = dir / "frame.dng";
  {
    std::ofstream f(path, std::ios::binary);
    f.write(reinterpret_cast<const char*>(r->files[0].data.data()),
            static_cast<std::streamsize>(r->files[0].data.size()));
  }
  int status = -1;
  const std::string out = run("dcraw -i -v '" + path.string() + "' 2>&1", &status);
  std::filesystem::remove_all(dir);
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("tetherbox"), std::string::npos) << out;
  EXPECT_NE(out.find("300 x 200"), std::string::npos) << out;
  EXPECT_NE(out.find("1/125"), std::string::npos) << out;
  EXPECT_NE(out.find("f/8"), std::string::npos) << out;
}

}  // namespace
}  // namespace tb::hal::sim
