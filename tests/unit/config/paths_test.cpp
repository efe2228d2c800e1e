// Relative storage.root and metadata.releases follow the config file, not the shell.
#include <gtest/gtest.h>

#include "test_util.hpp"

namespace tb::config::test {
namespace {

namespace fs = std::filesystem;

TEST(ConfigPaths, RelativePathsResolveAgainstTheFileDirectory) {
  TempDir dir;
  const auto file = dir.write("box/conf/tb.yaml",
                              "camera: {backend: sim}\nstorage:\n  root: ../data/sessions\n"
                              "metadata:\n  releases: [releases/model.pdf, /abs/prop.pdf]\n");
  auto r = load_file(file.string());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(fs::path(r->storage.root), dir.path() / "box" / "data" / "sessions");
  ASSERT_EQ(r->metadata.releases.size(), 2u);
  EXPECT_EQ(fs::path(r->metadata.releases[0]), dir.path() / "box/conf/releases/model.pdf");
  EXPECT_EQ(r->metadata.releases[1], "/abs/prop.pdf");
  EXPECT_EQ(fs::path(r->source_path), file);
}

TEST(ConfigPaths, DefaultRootFollowsTheFileToo) {
  TempDir dir;
  const auto file = dir.write("tb.yaml", "board: sim\ncamera: {backend: sim}\n");
  auto r = load_file(file.string());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(fs::path(r->storage.root), dir.path() / "sessions");
}

TEST(ConfigPaths, AbsoluteRootIsKept) {
  auto r = load_string("camera: {backend: sim}\nstorage:\n  root: /srv/tb/sessions\n");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->storage.root, "/srv/tb/sessions");
}

TEST(ConfigPaths, LoadStringResolvesAgainstTheCurrentDirectory) {
  auto r = load_string("camera: {backend: sim}\nstorage:\n  root: ./out\nmetadata:\n  releases: [r.pdf]\n", "inline");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(fs::path(r->storage.root), fs::current_path() / "out");
  EXPECT_EQ(fs::path(r->metadata.releases.at(0)), fs::current_path() / "r.pdf");
  EXPECT_EQ(r->source_path, "inline");
}

}  // namespace
}  // namespace tb::config::test
