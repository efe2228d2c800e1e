// Staged writes: a StagedFile dropped before its rename leaves nothing behind; Bag::commit()
// puts a frame's files and the manifest listing them in place together (checked with the real
// sha256sum), and a commit that fails part-way leaves the manifest and entries() as they were.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "test_util.hpp"
#include "tetherbox/capture/storage.hpp"

namespace tb::capture {
namespace {

using testing::list_files;
using testing::pattern_bytes;
using testing::read_all;
using testing::run_command;
using testing::TempDir;

std::string as_string(const std::vector<uint8_t>& v) {
  return std::string(v.begin(), v.end());
}

// Temp files of both write paths are ".<name>.tmp-<pid>-<n>".
std::vector<std::string> temp_files_under(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& f : list_files(dir))
    if (f.find(".tmp-") != std::string::npos) out.push_back(f);
  return out;
}

// Stages `bytes` at `rel` and hashes them as the pipeline does (the caller's own hash).
Bag::Staged stage_bytes(Bag& bag, const std::string& rel, const std::vector<uint8_t>& bytes) {
  auto s = bag.stage(rel);
  EXPECT_TRUE(s) << s.error().message;
  if (!s) std::abort();
  EXPECT_TRUE(s->file.write(bytes)) << rel;
  s->sha256 = sha256_hex(bytes);
  return std::move(*s);
}

TEST(StagedFile, DroppedBeforeWriteLeavesNothing) {
  TempDir tmp;
  {
    auto f = StagedFile::create(tmp.path() / "a.dng");
    ASSERT_TRUE(f) << f.error().message;
    // The temp file really exists while staged (else the next checks prove nothing).
    EXPECT_EQ(temp_files_under(tmp.path()).size(), 1u);
  }
  EXPECT_TRUE(list_files(tmp.path()).empty());
}

TEST(StagedFile, DroppedAfterWriteAndSyncLeavesNoFileAndNoTemp) {
  TempDir tmp;
  const auto bytes = pattern_bytes(3 << 20, 7);
  {
    auto f = StagedFile::create(tmp.path() / "a.dng");
    ASSERT_TRUE(f) << f.error().message;
    ASSERT_TRUE(f->write(bytes));
    EXPECT_EQ(f->size(), bytes.size());
    ASSERT_TRUE(f->sync());
    EXPECT_FALSE(f->committed());
    const auto temps = temp_files_under(tmp.path());
    ASSERT_EQ(temps.size(), 1u);
    EXPECT_EQ(fs::file_size(tmp.path() / temps[0]), bytes.size());
  }
  EXPECT_FALSE(fs::exists(tmp.path() / "a.dng"));
  EXPECT_TRUE(list_files(tmp.path()).empty());
}

TEST(StagedFile, MovedFromDoesNotDeleteAndMovedToStillCleansUp) {
  TempDir tmp;
  {
    std::optional<StagedFile> target;
    {
      auto f = StagedFile::create(tmp.path() / "a.dng");
      ASSERT_TRUE(f);
      ASSERT_TRUE(f->write(pattern_bytes(1000, 1)));
      target.emplace(std::move(*f));
    }  // the moved-from object is gone: the temp must survive for `target`
    ASSERT_EQ(temp_files_under(tmp.path()).size(), 1u);
    ASSERT_TRUE(target->sync());
    ASSERT_TRUE(target->commit());
    EXPECT_TRUE(target->committed());
  }
  EXPECT_EQ(list_files(tmp.path()), std::vector<std::string>{"a.dng"});
  EXPECT_EQ(fs::file_size(tmp.path() / "a.dng"), 1000u);
}

TEST(StagedFile, CommitBeforeSyncIsRefusedAndLeavesNoDestination) {
  TempDir tmp;
  {
    auto f = StagedFile::create(tmp.path() / "a.dng");
    ASSERT_TRUE(f);
    ASSERT_TRUE(f->write(pattern_bytes(100, 2)));
    EXPECT_FALSE(f->commit());
    EXPECT_FALSE(fs::exists(tmp.path() / "a.dng"));
  }
  EXPECT_TRUE(list_files(tmp.path()).empty());
}

TEST(BagStagedCommit, DroppedStagesLeaveNoTempFilesAndNoEntries) {
  TempDir tmp;
  auto bag = Bag::create(tmp.path(), "s");
  ASSERT_TRUE(bag) << bag.error().message;
  const std::string manifest_before = read_all((*bag)->dir() / "manifest-sha256.txt");
  {
    std::vector<Bag::Staged> frame;
    frame.push_back(stage_bytes(**bag, "frames/f1.dng", pattern_bytes(5000, 3)));
    frame.push_back(stage_bytes(**bag, "frames/f1.json", pattern_bytes(300, 4)));
    EXPECT_EQ(temp_files_under((*bag)->dir()).size(), 2u);
  }
  EXPECT_TRUE(temp_files_under((*bag)->dir()).empty());
  EXPECT_FALSE(fs::exists((*bag)->data_dir() / "frames/f1.dng"));
  EXPECT_TRUE((*bag)->entries().empty());
  EXPECT_EQ(read_all((*bag)->dir() / "manifest-sha256.txt"), manifest_before);
}

TEST(BagStagedCommit, CommitPutsBothFilesAndManifestInPlaceVerifiedBySha256sum) {
  TempDir tmp;
  auto bag = Bag::create(tmp.path(), "s");
  ASSERT_TRUE(bag) << bag.error().message;
  const auto dng = pattern_bytes((9 << 20) + 17, 11);  // more than one staged write chunk
  const auto json = pattern_bytes(777, 12);

  std::vector<Bag::Staged> frame;
  frame.push_back(stage_bytes(**bag, "frames/f1.dng", dng));
  frame.push_back(stage_bytes(**bag, "sidecars/f1.json", json));  // a second directory
  ASSERT_TRUE((*bag)->commit(frame));
  for (const auto& s : frame) EXPECT_TRUE(s.file.committed()) << s.rel;

  const fs::path d = (*bag)->dir();
  EXPECT_EQ(read_all(d / "data/frames/f1.dng"), as_string(dng));
  EXPECT_EQ(read_all(d / "data/sidecars/f1.json"), as_string(json));
  EXPECT_TRUE(temp_files_under(d).empty());
  EXPECT_EQ((*bag)->entries(),
            (std::vector<std::string>{"data/frames/f1.dng", "data/sidecars/f1.json"}));

  // The manifest on disk, checked by an independent reader.
  std::string out;
  const int rc =
      run_command("cd '" + d.string() + "' && sha256sum --strict -c manifest-sha256.txt", &out);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("data/frames/f1.dng: OK"), std::string::npos) << out;
  EXPECT_NE(out.find("data/sidecars/f1.json: OK"), std::string::npos) << out;
  // Exactly the two lines, and the hashes are of the bytes handed in, not of something else.
  std::string sums;
  ASSERT_EQ(run_command("cd '" + d.string() + "' && sha256sum data/frames/f1.dng", &sums), 0);
  const std::string manifest = read_all(d / "manifest-sha256.txt");
  EXPECT_EQ(std::count(manifest.begin(), manifest.end(), '\n'), 2) << manifest;
  EXPECT_NE(manifest.find(sums.substr(0, 64) + "  data/frames/f1.dng\n"), std::string::npos)
      << manifest;
  EXPECT_NE(manifest.find(sha256_hex(json) + "  data/sidecars/f1.json\n"), std::string::npos)
      << manifest;

  // A reopened bag agrees (resume path reads what commit wrote; the writer lets go first).
  const auto entries = (*bag)->entries();
  (*bag).reset();
  auto again = Bag::open_existing(d);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ((*again)->entries(), entries);
  auto report = verify_bag(d);
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->missing.empty());
  EXPECT_TRUE(report->changed.empty());
  EXPECT_TRUE(report->extra.empty());
}

TEST(BagStagedCommit, FailedRenameMidFrameKeepsManifestAndEntriesAndNoTempFiles) {
  TempDir tmp;
  auto bag = Bag::create(tmp.path(), "s");
  ASSERT_TRUE(bag) << bag.error().message;
  const fs::path d = (*bag)->dir();
  ASSERT_TRUE((*bag)->put("frames/f0.dng", as_string(pattern_bytes(4000, 20))));
  const std::string manifest_before = read_all(d / "manifest-sha256.txt");
  const auto entries_before = (*bag)->entries();
  ASSERT_EQ(entries_before, std::vector<std::string>{"data/frames/f0.dng"});

  std::vector<Bag::Staged> frame;
  frame.push_back(stage_bytes(**bag, "frames/f1.dng", pattern_bytes(6000, 21)));
  frame.push_back(stage_bytes(**bag, "frames/f1.json", pattern_bytes(200, 22)));
  // A directory where the second file goes: its rename fails (EISDIR) deterministically, even
  // as root, after the first file was already renamed.
  ASSERT_TRUE(fs::create_directory(d / "data/frames/f1.json"));

  auto st = (*bag)->commit(frame);
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("f1.json"), std::string::npos) << st.error().message;

  EXPECT_EQ(read_all(d / "manifest-sha256.txt"), manifest_before);
  EXPECT_EQ((*bag)->entries(), entries_before);
  EXPECT_FALSE((*bag)->has("frames/f1.dng"));
  EXPECT_FALSE((*bag)->has("frames/f1.json"));
  EXPECT_TRUE(temp_files_under(d).empty()) << ::testing::PrintToString(list_files(d));

  // The file renamed before the failure had a new name, so the commit took it back itself;
  // the folder in the way is untouched; the bag verifies with the independent reader.
  EXPECT_FALSE(fs::exists(d / "data/frames/f1.dng"));
  EXPECT_TRUE(fs::is_directory(d / "data/frames/f1.json"));
  fs::remove(d / "data/frames/f1.json");
  EXPECT_EQ(list_files(d / "data"), std::vector<std::string>{"frames/f0.dng"});
  std::string out;
  EXPECT_EQ(
      run_command("cd '" + d.string() + "' && sha256sum --strict -c manifest-sha256.txt", &out), 0)
      << out;

  // The bag still works after the failure: a retry of the frame commits.
  std::vector<Bag::Staged> retry;
  retry.push_back(stage_bytes(**bag, "frames/f1.dng", pattern_bytes(6000, 21)));
  retry.push_back(stage_bytes(**bag, "frames/f1.json", pattern_bytes(200, 22)));
  ASSERT_TRUE((*bag)->commit(retry));
  EXPECT_EQ((*bag)->entries().size(), 3u);
  out.clear();
  EXPECT_EQ(
      run_command("cd '" + d.string() + "' && sha256sum --strict -c manifest-sha256.txt", &out), 0)
      << out;
}

TEST(BagStagedCommit, MissingHashIsRefusedBeforeAnythingMoves) {
  TempDir tmp;
  auto bag = Bag::create(tmp.path(), "s");
  ASSERT_TRUE(bag) << bag.error().message;
  const std::string manifest_before = read_all((*bag)->dir() / "manifest-sha256.txt");
  {
    std::vector<Bag::Staged> frame;
    frame.push_back(stage_bytes(**bag, "frames/f1.dng", pattern_bytes(100, 30)));
    frame.back().sha256.clear();
    EXPECT_FALSE((*bag)->commit(frame));
    EXPECT_FALSE(fs::exists((*bag)->data_dir() / "frames/f1.dng"));
  }
  EXPECT_TRUE((*bag)->entries().empty());
  EXPECT_EQ(read_all((*bag)->dir() / "manifest-sha256.txt"), manifest_before);
  EXPECT_TRUE(temp_files_under((*bag)->dir()).empty());
}

}  // namespace
}  // namespace tb::capture

namespace tb::capture {
namespace {

// Issue 8 item 1: two frames that render the same name. The second is refused at stage()
// (the manifest lists the name) and, when both were staged before either committed, at
// commit() (RENAME_NOREPLACE / the manifest check): the first file and the manifest stay.
TEST(BagNoReplace, SecondFrameWithTheSameNameIsRefusedAndTheFirstKept) {
  TempDir tmp;
  auto bag = Bag::create(tmp.path(), "s");
  ASSERT_TRUE(bag) << bag.error().message;
  const fs::path d = (*bag)->dir();
  const auto first = pattern_bytes(5000, 1);
  std::vector<Bag::Staged> a, b;
  a.push_back(stage_bytes(**bag, "frames/same.dng", first));
  b.push_back(stage_bytes(**bag, "frames/same.dng", pattern_bytes(5000, 2)));  // both staged
  ASSERT_TRUE((*bag)->commit(a));
  std::string sum_before;
  ASSERT_EQ(run_command("cd '" + d.string() + "' && sha256sum data/frames/same.dng", &sum_before),
            0);
  const std::string manifest_before = read_all(d / "manifest-sha256.txt");

  auto st = (*bag)->commit(b);
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("data/frames/same.dng"), std::string::npos)
      << st.error().message;
  auto again = (*bag)->stage("frames/same.dng");
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message.find("refusing to replace data/frames/same.dng"),
            std::string::npos)
      << again.error().message;
  EXPECT_FALSE((*bag)->put("frames/same.dng", std::string("third")).ok());

  std::string sum_after;
  ASSERT_EQ(run_command("cd '" + d.string() + "' && sha256sum data/frames/same.dng", &sum_after),
            0);
  EXPECT_EQ(sum_after, sum_before);
  EXPECT_EQ(sum_after.substr(0, 64), sha256_hex(first));
  EXPECT_EQ(read_all(d / "manifest-sha256.txt"), manifest_before);
  b.clear();
  EXPECT_TRUE(temp_files_under(d).empty());
}

// A file the manifest does not list but that exists at the destination (a stray, a user's
// file) is never replaced either: RENAME_NOREPLACE, not only the manifest check.
TEST(BagNoReplace, UnlistedFileAtTheDestinationIsNotReplaced) {
  TempDir tmp;
  auto bag = Bag::create(tmp.path(), "s");
  ASSERT_TRUE(bag);
  const fs::path d = (*bag)->dir();
  std::vector<Bag::Staged> a;
  a.push_back(stage_bytes(**bag, "frames/x.jpg", pattern_bytes(100, 3)));
  testing::write_raw(d / "data/frames/x.jpg", "user's file");
  EXPECT_FALSE((*bag)->commit(a));
  EXPECT_EQ(read_all(d / "data/frames/x.jpg"), "user's file");
  EXPECT_TRUE((*bag)->entries().empty());
  // The files rewritten at close keep their replace path.
  ASSERT_TRUE((*bag)->put("report.json", std::string("{}")).ok());
  ASSERT_TRUE((*bag)->put("report.json", std::string("{\"v\":2}")).ok());
  ASSERT_TRUE((*bag)->put("exports/transforms.json", std::string("{}")).ok());
  ASSERT_TRUE((*bag)->put("exports/transforms.json", std::string("{\"v\":2}")).ok());
  EXPECT_EQ(read_all(d / "data/report.json"), "{\"v\":2}");
}

}  // namespace
}  // namespace tb::capture
