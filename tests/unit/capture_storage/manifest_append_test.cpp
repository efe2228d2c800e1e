// The manifest grows by appends during a session (storage.hpp, DURABILITY PROTOCOL): a frame's
// commit costs the same at frame 10 and frame 100 000, and a torn append is repaired on reopen.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "test_util.hpp"
#include "tetherbox/capture/storage.hpp"

namespace tb::capture {
namespace {

using testing::pattern_bytes;
using testing::read_all;
using testing::TempDir;
using testing::write_raw;

ino_t inode_of(const fs::path& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 ? st.st_ino : 0;
}

Status commit_one(Bag& bag, const std::string& rel, const std::vector<uint8_t>& bytes) {
  auto s = bag.stage(rel);
  if (!s) return s.error();
  TB_TRY(s->file.write(bytes));
  s->sha256 = sha256_hex(bytes);
  std::vector<Bag::Staged> batch;
  batch.push_back(std::move(*s));
  return bag.commit(batch);
}

TEST(ManifestAppend, NewFilesAppendLinesWithoutRewritingTheManifest) {
  TempDir tmp;
  auto b = Bag::create(tmp.path(), "s");
  ASSERT_TRUE(b.ok()) << b.error().message;
  Bag& bag = **b;
  const fs::path manifest = bag.dir() / "manifest-sha256.txt";
  ASSERT_TRUE(commit_one(bag, "frames/a.dng", pattern_bytes(1000, 1)).ok());
  const ino_t ino = inode_of(manifest);
  const std::string first = read_all(manifest);
  for (int i = 0; i < 20; ++i)
    ASSERT_TRUE(
        commit_one(bag, "frames/f" + std::to_string(i) + ".jpg", pattern_bytes(300, i)).ok());
  // Same file (a rewrite renames a new one into place), earlier bytes untouched, one line each.
  EXPECT_EQ(inode_of(manifest), ino);
  const std::string now = read_all(manifest);
  EXPECT_EQ(now.compare(0, first.size(), first), 0);
  EXPECT_EQ(std::count(now.begin(), now.end(), '\n'), 21);
  EXPECT_NE(now.find("  data/frames/f19.jpg\n"), std::string::npos);
}

TEST(ManifestAppend, ReplacingARewritableFileKeepsOneLinePerPath) {
  TempDir tmp;
  auto b = Bag::create(tmp.path(), "s");
  ASSERT_TRUE(b.ok());
  ASSERT_TRUE((*b)->put("report.json", std::string("{\"v\":1}")).ok());
  ASSERT_TRUE((*b)->put("frames/x.jpg", pattern_bytes(10, 3)).ok());
  ASSERT_TRUE((*b)->put("report.json", std::string("{\"v\":2}")).ok());
  ASSERT_TRUE((*b)->put("frames/y.jpg", pattern_bytes(10, 4)).ok());  // appends to the new file
  const std::string m = read_all((*b)->dir() / "manifest-sha256.txt");
  size_t n = 0;
  for (size_t p = m.find("data/report.json"); p != std::string::npos;
       p = m.find("data/report.json", p + 1))
    ++n;
  EXPECT_EQ(n, 1u) << m;
  EXPECT_NE(m.find(sha256_hex(pattern_bytes(10, 4)) + "  data/frames/y.jpg\n"), std::string::npos);
  ASSERT_TRUE((*b)->finalize({}).ok());
  auto rep = verify_bag((*b)->dir());
  ASSERT_TRUE(rep.ok());
  EXPECT_TRUE(rep->ok()) << ::testing::PrintToString(rep->problems);
}

// Finalize streams the manifest on disk (nothing sorts it in RAM): the lines come in the order
// the files were completed, each once, with the journal's line brought up to date.
TEST(ManifestAppend, FinalizeWritesTheCompleteManifestInCompletionOrder) {
  TempDir tmp;
  auto b = Bag::create(tmp.path(), "s");
  ASSERT_TRUE(b.ok());
  write_raw((*b)->data_dir() / "journal.jsonl", "{\"a\":1}\n", false);
  ASSERT_TRUE((*b)->add_existing("journal.jsonl").ok());
  for (const char* n : {"frames/c.jpg", "frames/a.jpg", "frames/b.jpg"})
    ASSERT_TRUE(commit_one(**b, n, pattern_bytes(50, n[7])).ok());
  write_raw((*b)->data_dir() / "journal.jsonl", "{\"b\":2}\n", true);
  ASSERT_TRUE((*b)->finalize({}).ok());
  const std::string m = read_all((*b)->dir() / "manifest-sha256.txt");
  EXPECT_EQ(std::count(m.begin(), m.end(), '\n'), 4) << m;
  EXPECT_LT(m.find("data/journal.jsonl"), m.find("data/frames/c.jpg"));
  EXPECT_LT(m.find("data/frames/c.jpg"), m.find("data/frames/a.jpg"));
  EXPECT_LT(m.find("data/frames/a.jpg"), m.find("data/frames/b.jpg"));
  auto rep = verify_bag((*b)->dir());
  ASSERT_TRUE(rep.ok());
  EXPECT_TRUE(rep->ok()) << ::testing::PrintToString(rep->changed);
  EXPECT_NE(read_all((*b)->dir() / "bag-info.txt").find("Payload-Oxum: 166.4\n"),
            std::string::npos);
  // Appends after finalize (a resumed session) go to the new file, not the replaced inode.
  ASSERT_TRUE(commit_one(**b, "frames/d.jpg", pattern_bytes(50, 9)).ok());
  EXPECT_NE(read_all((*b)->dir() / "manifest-sha256.txt").find("data/frames/d.jpg"),
            std::string::npos);
}

// A crash inside an append: a line without its newline, or zero-filled blocks after a power
// cut. Reopening cuts it off (it was never acknowledged) and the bag goes on.
TEST(ManifestAppend, TornLastLineIsCutOffOnReopen) {
  for (const std::string& tail :
       {std::string("0123456789abcdef  data/fra"), std::string(4096, '\0'),
        std::string("deadbeef") + std::string(100, '\0')}) {
    TempDir tmp;
    fs::path dir;
    {
      auto b = Bag::create(tmp.path(), "s");
      ASSERT_TRUE(b.ok());
      dir = (*b)->dir();
      ASSERT_TRUE((*b)->put("frames/a.jpg", pattern_bytes(10, 1)).ok());
    }
    write_raw(dir / "manifest-sha256.txt", tail, /*append=*/true);
    auto b = Bag::open_existing(dir);
    ASSERT_TRUE(b.ok()) << b.error().message;
    EXPECT_TRUE((*b)->has("frames/a.jpg"));
    EXPECT_EQ((*b)->entries().size(), 1u);
    EXPECT_EQ(read_all(dir / "manifest-sha256.txt"),
              sha256_hex(pattern_bytes(10, 1)) + "  data/frames/a.jpg\n");
    ASSERT_TRUE((*b)->put("frames/b.jpg", pattern_bytes(10, 2)).ok());
    ASSERT_TRUE((*b)->finalize({}).ok());
    auto rep = verify_bag(dir);
    ASSERT_TRUE(rep.ok());
    EXPECT_TRUE(rep->ok()) << ::testing::PrintToString(rep->problems);
  }
}

TEST(ManifestAppend, MalformedCompleteLineIsStillAnError) {
  TempDir tmp;
  fs::path dir;
  {
    auto b = Bag::create(tmp.path(), "s");
    ASSERT_TRUE(b.ok());
    dir = (*b)->dir();
  }
  write_raw(dir / "manifest-sha256.txt", "not a manifest line\n", /*append=*/true);
  auto b = Bag::open_existing(dir);
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.error().message.find("manifest-sha256.txt:1"), std::string::npos)
      << b.error().message;
}

}  // namespace
}  // namespace tb::capture

namespace tb::capture {
namespace {

// verify_bag hashes on several threads: every file is still checked once, and what is missing
// or changed is reported in manifest order whatever thread found it.
TEST(VerifyParallel, ReportsEveryMissingAndChangedFileInManifestOrder) {
  testing::TempDir tmp;
  auto b = Bag::create(tmp.path(), "s");
  ASSERT_TRUE(b.ok());
  for (int i = 0; i < 40; ++i)
    ASSERT_TRUE(
        (*b)->put(fmt::format("frames/f{:02}.jpg", i), testing::pattern_bytes(5000, i)).ok());
  ASSERT_TRUE((*b)->finalize({}).ok());
  const fs::path d = (*b)->data_dir() / "frames";
  testing::write_raw(d / "f03.jpg", "changed");
  testing::write_raw(d / "f31.jpg", "changed too");
  fs::remove(d / "f17.jpg");
  auto rep = verify_bag((*b)->dir());
  ASSERT_TRUE(rep.ok()) << rep.error().message;
  EXPECT_EQ(rep->changed, (std::vector<std::string>{"data/frames/f03.jpg", "data/frames/f31.jpg"}));
  EXPECT_EQ(rep->missing, (std::vector<std::string>{"data/frames/f17.jpg"}));
  EXPECT_EQ(rep->files_checked, 39u + 3u);  // 39 payload files + 3 tag files
}

// A resumed bag drops the index its repair needed (runner): lookups then read the manifest on
// disk, a name it lists is still refused, and finalize still lists every file once.
TEST(ManifestAppend, AReopenedBagWithoutItsIndexStillAnswersFromTheManifest) {
  TempDir tmp;
  fs::path dir;
  {
    auto b = Bag::create(tmp.path(), "s");
    ASSERT_TRUE(b.ok());
    dir = (*b)->dir();
    ASSERT_TRUE((*b)->put("frames/a.jpg", pattern_bytes(10, 1)).ok());
    ASSERT_TRUE((*b)->put("report.json", std::string("{}")).ok());
  }
  auto b = Bag::open_existing(dir);
  ASSERT_TRUE(b.ok()) << b.error().message;
  (*b)->drop_index();
  EXPECT_TRUE((*b)->has("frames/a.jpg"));
  EXPECT_EQ((*b)->listed_sha256("frames/a.jpg"), sha256_hex(pattern_bytes(10, 1)));
  EXPECT_FALSE((*b)->put("frames/a.jpg", pattern_bytes(10, 2)).ok());
  ASSERT_TRUE((*b)->put("frames/b.jpg", pattern_bytes(10, 3)).ok());
  ASSERT_TRUE((*b)->put("report.json", std::string("{\"v\":2}")).ok());
  EXPECT_EQ((*b)->entries(), (std::vector<std::string>{"data/frames/a.jpg", "data/frames/b.jpg",
                                                       "data/report.json"}));
  ASSERT_TRUE((*b)->remove("frames/b.jpg").ok());
  EXPECT_FALSE((*b)->has("frames/b.jpg"));
  ASSERT_TRUE((*b)->finalize({}).ok());
  auto rep = verify_bag(dir);
  ASSERT_TRUE(rep.ok());
  EXPECT_TRUE(rep->ok()) << ::testing::PrintToString(rep->problems);
  const std::string m = read_all(dir / "manifest-sha256.txt");
  EXPECT_EQ(std::count(m.begin(), m.end(), '\n'), 2) << m;
}

}  // namespace
}  // namespace tb::capture
