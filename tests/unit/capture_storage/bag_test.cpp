// BagIt bag: layout, manifest, finalize (Payload-Oxum, tagmanifest), resume, orphans, verify.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <thread>

#include "test_util.hpp"
#include "tetherbox/capture/storage.hpp"

namespace tb::capture {
namespace {

using testing::list_files;
using testing::pattern_bytes;
using testing::read_all;
using testing::TempDir;
using testing::write_raw;

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t nl = s.find('\n', pos);
    if (nl == std::string::npos) nl = s.size();
    out.push_back(s.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return out;
}

bool contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// A finalized bag with three payload files of known content.
struct SmallBag {
  TempDir tmp;
  std::unique_ptr<Bag> bag;
  fs::path dir;
  SmallBag() {
    auto b = Bag::create(tmp.path(), "20261125T163552Z_test");
    if (!b) throw std::runtime_error(b.error().message);
    bag = std::move(*b);
    dir = bag->dir();
    check(bag->put("frames/a.dng", pattern_bytes(100000, 1)));
    check(bag->put("frames/a.jpg", pattern_bytes(30000, 2)));
    check(bag->put("session.yaml", std::string("session: test\n")));
    check(bag->finalize({{"Source-Organization", "tetherbox tests"}}));
  }
  template <typename R>
  static void check(const R& r) {
    if (!r.ok()) throw std::runtime_error(r.error().message);
  }
};

TEST(Bag, CreateMakesBagItLayout) {
  TempDir tmp;
  auto b = Bag::create(tmp.path() / "new-root", "s1");  // root is created
  ASSERT_TRUE(b.ok()) << b.error().message;
  const auto dir = (*b)->dir();
  EXPECT_EQ(dir, tmp.path() / "new-root" / "s1");
  EXPECT_EQ(read_all(dir / "bagit.txt"),
            "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n");
  for (const char* sub : {"frames", "previews", "releases", "exports"})
    EXPECT_TRUE(fs::is_directory(dir / "data" / sub)) << sub;
  EXPECT_EQ(read_all(dir / "manifest-sha256.txt"), "");
}

// Two runs started in the same second: two distinct bags, never one shared.
TEST(Bag, CreateNeverSharesAnExistingBag) {
  TempDir tmp;
  auto first = Bag::create(tmp.path(), "s1");
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE((*first)->put("frames/a.jpg", std::string("first")).ok());
  auto again = Bag::create(tmp.path(), "s1");
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ((*again)->dir(), tmp.path() / "s1-2");
  EXPECT_EQ((*first)->dir(), tmp.path() / "s1");
  EXPECT_EQ(read_all(tmp.path() / "s1/data/frames/a.jpg"), "first");
  EXPECT_TRUE((*again)->entries().empty());
  // No half-built bag folder is left in the root.
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(tmp.path())) names.push_back(e.path().filename());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"s1", "s1-2"}));
}

// The lock: a second writer of the same bag is refused, naming the holder; the kernel
// releases it when the holder goes away.
TEST(Bag, SecondWriterIsRefusedNamingTheHolder) {
  TempDir tmp;
  auto first = Bag::create(tmp.path(), "s1");
  ASSERT_TRUE(first.ok());
  const fs::path dir = (*first)->dir();
  auto second = Bag::open_existing(dir);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, Errc::busy);
  EXPECT_NE(second.error().message.find("is being written by pid " + std::to_string(::getpid())),
            std::string::npos)
      << second.error().message;
  (*first).reset();
  EXPECT_TRUE(Bag::open_existing(dir).ok());
}

TEST(Bag, CreateRefusesReadOnlyRootAndBadNames) {
  TempDir tmp;
  const auto root = tmp.path() / "ro";
  fs::create_directory(root);
  fs::permissions(root, fs::perms::owner_read | fs::perms::owner_exec);
  Result<std::unique_ptr<Bag>> b = make_error(Errc::internal, "not run");
  testing::run_unprivileged([&] { b = Bag::create(root, "s1"); });
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().code, Errc::refused) << b.error().message;
  EXPECT_FALSE(fs::exists(root / "s1"));
  EXPECT_FALSE(Bag::create(tmp.path(), "../escape").ok());
  EXPECT_FALSE(Bag::create(tmp.path(), "").ok());
}

TEST(Bag, PutRecordsManifestLines) {
  TempDir tmp;
  auto b = Bag::create(tmp.path(), "s");
  ASSERT_TRUE(b.ok());
  Bag& bag = **b;
  const auto raw = pattern_bytes(5000, 9);
  auto w = bag.put("frames/x.dng", raw);
  ASSERT_TRUE(w.ok()) << w.error().message;
  EXPECT_EQ(w->rel_path, "data/frames/x.dng");
  EXPECT_EQ(w->sha256, sha256_hex(raw));
  ASSERT_TRUE(bag.put("report.json", std::string("{}")).ok());
  ASSERT_TRUE(bag.put("report.json", std::string("{\"v\":2}")).ok());  // overwrite
  const auto lines = lines_of(read_all(bag.dir() / "manifest-sha256.txt"));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_TRUE(contains(lines, sha256_hex(raw) + "  data/frames/x.dng"));
  const std::string v2 = "{\"v\":2}";
  EXPECT_TRUE(contains(lines, sha256_hex({reinterpret_cast<const uint8_t*>(v2.data()), v2.size()}) +
                                  "  data/report.json"));
  EXPECT_TRUE(bag.has("frames/x.dng"));
  EXPECT_FALSE(bag.has("frames/y.dng"));
  EXPECT_EQ(bag.entries(), (std::vector<std::string>{"data/frames/x.dng", "data/report.json"}));
}

TEST(Bag, PutRejectsPathsOutsideData) {
  TempDir tmp;
  auto b = Bag::create(tmp.path(), "s");
  ASSERT_TRUE(b.ok());
  for (const char* bad : {"../x", "/etc/x", "frames/../../x", "", "frames/"}) {
    auto w = (*b)->put(bad, std::string("x"));
    ASSERT_FALSE(w.ok()) << bad;
    EXPECT_EQ(w.error().code, Errc::invalid) << bad;
  }
  EXPECT_FALSE(fs::exists(tmp.path() / "x"));
}

TEST(Bag, PutCreatesNestedDirectories) {
  TempDir tmp;
  auto b = Bag::create(tmp.path(), "s");
  ASSERT_TRUE(b.ok());
  ASSERT_TRUE((*b)->put("exports/colmap/cameras.txt", std::string("# cams\n")).ok());
  EXPECT_EQ(read_all((*b)->data_dir() / "exports/colmap/cameras.txt"), "# cams\n");
}

TEST(Bag, FinalizeWritesPayloadOxumAndTagManifest) {
  SmallBag sb;
  uint64_t bytes = 0;
  size_t count = 0;
  for (const auto& e : fs::recursive_directory_iterator(sb.dir / "data"))
    if (e.is_regular_file()) bytes += e.file_size(), ++count;
  ASSERT_EQ(count, 3u);
  const auto info = lines_of(read_all(sb.dir / "bag-info.txt"));
  EXPECT_TRUE(
      contains(info, "Payload-Oxum: " + std::to_string(bytes) + "." + std::to_string(count)));
  EXPECT_TRUE(contains(info, "Source-Organization: tetherbox tests"));
  EXPECT_TRUE(std::any_of(info.begin(), info.end(), [](const std::string& l) {
    return l.rfind("Bagging-Date: 20", 0) == 0 &&
           l.size() == std::string("Bagging-Date: 2026-11-25").size();
  }));
  const auto tags = lines_of(read_all(sb.dir / "tagmanifest-sha256.txt"));
  ASSERT_EQ(tags.size(), 3u);
  for (const char* f : {"bagit.txt", "bag-info.txt", "manifest-sha256.txt"})
    EXPECT_TRUE(contains(tags, *sha256_file(sb.dir / f) + "  " + f)) << f;

  auto rep = verify_bag(sb.dir);
  ASSERT_TRUE(rep.ok());
  EXPECT_TRUE(rep->ok()) << ::testing::PrintToString(rep->problems);
  EXPECT_EQ(rep->files_checked, 6u);  // 3 payload + 3 tag files
  EXPECT_GE(rep->bytes_checked, bytes);
}

TEST(BagVerify, DetectsChangedByte) {
  SmallBag sb;
  const auto p = sb.dir / "data/frames/a.dng";
  std::string content = read_all(p);
  content[5000] ^= 0x01;
  write_raw(p, content);
  auto rep = verify_bag(sb.dir);
  ASSERT_TRUE(rep.ok());
  EXPECT_FALSE(rep->ok());
  EXPECT_EQ(rep->changed, std::vector<std::string>{"data/frames/a.dng"});
  EXPECT_TRUE(rep->missing.empty());
  EXPECT_TRUE(rep->extra.empty());
}

// For a reader that hashes each file as it reads it (export): the layout is checked, the
// payload's content is left to that reader.
TEST(BagVerify, PresenceCheckFindsMissingAndExtraFilesButHashesNoPayload) {
  SmallBag sb;
  const auto p = sb.dir / "data/frames/a.dng";
  std::string content = read_all(p);
  content[5000] ^= 0x01;
  content += "longer";  // Payload-Oxum is the reader's to judge too
  write_raw(p, content);
  auto same = verify_bag(sb.dir, PayloadCheck::presence);
  ASSERT_TRUE(same.ok());
  EXPECT_TRUE(same->ok()) << (same->problems.empty() ? "" : same->problems.front());
  auto full = verify_bag(sb.dir);
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(full->changed, std::vector<std::string>{"data/frames/a.dng"});

  fs::remove(sb.dir / "data/frames/a.jpg");
  write_raw(sb.dir / "data/frames/stray.jpg", "x");
  auto rep = verify_bag(sb.dir, PayloadCheck::presence);
  ASSERT_TRUE(rep.ok());
  EXPECT_EQ(rep->missing, std::vector<std::string>{"data/frames/a.jpg"});
  EXPECT_EQ(rep->extra, std::vector<std::string>{"data/frames/stray.jpg"});
  EXPECT_TRUE(rep->changed.empty());
}

TEST(BagVerify, DetectsDeletedFile) {
  SmallBag sb;
  fs::remove(sb.dir / "data/frames/a.jpg");
  auto rep = verify_bag(sb.dir);
  ASSERT_TRUE(rep.ok());
  EXPECT_EQ(rep->missing, std::vector<std::string>{"data/frames/a.jpg"});
  EXPECT_FALSE(rep->ok());
}

TEST(BagVerify, DetectsExtraFilesIncludingTempFiles) {
  SmallBag sb;
  write_raw(sb.dir / "data/frames/.a.dng.tmp-123-4", "half");
  write_raw(sb.dir / "data/previews/stray.jpg", "x");
  auto rep = verify_bag(sb.dir);
  ASSERT_TRUE(rep.ok());
  auto extra = rep->extra;
  std::sort(extra.begin(), extra.end());
  EXPECT_EQ(extra,
            (std::vector<std::string>{"data/frames/.a.dng.tmp-123-4", "data/previews/stray.jpg"}));
  EXPECT_FALSE(rep->ok());
}

TEST(BagVerify, DetectsTruncatedManifest) {
  SmallBag sb;
  const auto m = sb.dir / "manifest-sha256.txt";
  const std::string full = read_all(m);
  write_raw(m, full.substr(0, full.size() - 6));  // cut in the middle of the last path
  auto rep = verify_bag(sb.dir);
  ASSERT_TRUE(rep.ok());
  EXPECT_FALSE(rep->ok());
  EXPECT_TRUE(contains(rep->changed, "manifest-sha256.txt"));  // caught by the tagmanifest
  EXPECT_FALSE(rep->problems.empty());                         // no final newline
  // The file whose line was cut is no longer accounted for.
  EXPECT_EQ(rep->missing, std::vector<std::string>{"data/session"});
  EXPECT_EQ(rep->extra, std::vector<std::string>{"data/session.yaml"});
}

TEST(BagVerify, ReportsMalformedManifestLine) {
  SmallBag sb;
  write_raw(sb.dir / "manifest-sha256.txt", "not-a-hash  data/frames/a.dng\n", true);
  auto rep = verify_bag(sb.dir);
  ASSERT_TRUE(rep.ok());
  EXPECT_TRUE(std::any_of(rep->problems.begin(), rep->problems.end(), [](const std::string& p) {
    return p.find("manifest-sha256.txt:4") != std::string::npos;
  })) << ::testing::PrintToString(rep->problems);
}

TEST(BagVerify, UnfinalizedBagIsReported) {
  TempDir tmp;
  auto b = Bag::create(tmp.path(), "s");
  ASSERT_TRUE(b.ok());
  ASSERT_TRUE((*b)->put("frames/a.jpg", std::string("jpeg")).ok());
  auto rep = verify_bag((*b)->dir());
  ASSERT_TRUE(rep.ok());
  EXPECT_TRUE(rep->missing.empty() && rep->changed.empty() && rep->extra.empty());
  ASSERT_EQ(rep->problems.size(), 1u);
  EXPECT_NE(rep->problems[0].find("tagmanifest"), std::string::npos);
  EXPECT_EQ(rep->files_checked, 1u);
}

// Only what the bag provably wrote is deleted: a temp file by its name, a file that a leftover
// manifest temp (a commit's intent) lists with the same hash. A stray is quarantined.
TEST(Bag, SweepRemovesOnlyProvablyOwnFilesAndQuarantinesTheRest) {
  TempDir tmp;
  auto b = Bag::create(tmp.path(), "s");
  ASSERT_TRUE(b.ok());
  Bag& bag = **b;
  ASSERT_TRUE(bag.put("frames/ok.jpg", std::string("jpeg")).ok());
  write_raw(bag.data_dir() / "journal.jsonl", "{\"type\":\"start\"}\n");
  write_raw(bag.data_dir() / "frames/stray.dng", "a file the bag did not write");
  write_raw(bag.data_dir() / "frames/renamed.dng", "renamed before the manifest caught up");
  write_raw(bag.data_dir() / "frames/.ok2.jpg.tmp-99-1", "half written");
  write_raw(bag.data_dir() / "frames/.notes.tmp-mine", "looks like a temp, is not ours");
  write_raw(bag.dir() / ".manifest-sha256.txt.tmp-99-2",
            sha256_hex(std::span<const uint8_t>(
                reinterpret_cast<const uint8_t*>("renamed before the manifest caught up"), 37)) +
                "  data/frames/renamed.dng\n");
  auto rep = bag.sweep_unlisted();
  ASSERT_TRUE(rep.ok()) << rep.error().message;
  std::vector<std::string> removed = rep->removed;
  std::sort(removed.begin(), removed.end());
  EXPECT_EQ(removed,
            (std::vector<std::string>{"data/frames/.ok2.jpg.tmp-99-1", "data/frames/renamed.dng"}));
  std::vector<std::string> q = rep->quarantined;
  std::sort(q.begin(), q.end());
  EXPECT_EQ(q, (std::vector<std::string>{"data/frames/.notes.tmp-mine", "data/frames/stray.dng"}));
  EXPECT_EQ(list_files(bag.data_dir()),
            (std::vector<std::string>{"frames/ok.jpg", "journal.jsonl"}));
  EXPECT_EQ(read_all(bag.dir() / "quarantine/data/frames/stray.dng"),
            "a file the bag did not write");
  EXPECT_FALSE(fs::exists(bag.dir() / ".manifest-sha256.txt.tmp-99-2"));

  ASSERT_TRUE(bag.add_existing("journal.jsonl").ok());
  ASSERT_TRUE(bag.finalize({}).ok());
  auto v = verify_bag(bag.dir());
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->ok()) << ::testing::PrintToString(v->problems)
                       << ::testing::PrintToString(v->extra);
}

// A crash after a deferred put and before the manifest flush leaves an unlisted file that
// resume quarantines (nothing proves it is ours); after a flush the file is listed.
TEST(Bag, DeferredPutIsListedOnlyAfterFlush) {
  TempDir tmp;
  fs::path dir;
  {
    auto b = Bag::create(tmp.path(), "s");
    ASSERT_TRUE(b.ok());
    dir = (*b)->dir();
    ASSERT_TRUE((*b)->put_deferred("frames/kept.dng", pattern_bytes(64, 1)).ok());
    ASSERT_TRUE((*b)->flush_manifest().ok());
    ASSERT_TRUE((*b)->put_deferred("frames/lost.dng", pattern_bytes(64, 2)).ok());
    EXPECT_EQ(lines_of(read_all(dir / "manifest-sha256.txt")).size(), 1u);
  }  // "crash": no flush
  auto b = Bag::open_existing(dir);
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE((*b)->has("frames/kept.dng"));
  EXPECT_FALSE((*b)->has("frames/lost.dng"));
  auto n = (*b)->sweep_unlisted();
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->quarantined, std::vector<std::string>{"data/frames/lost.dng"});
  EXPECT_EQ(list_files(dir / "data"), std::vector<std::string>{"frames/kept.dng"});
}

TEST(Bag, RemoveDeletesFileAndManifestEntry) {
  TempDir tmp;
  auto b = Bag::create(tmp.path(), "s");
  ASSERT_TRUE(b.ok());
  ASSERT_TRUE((*b)->put("frames/a.jpg", std::string("a")).ok());
  ASSERT_TRUE((*b)->put("frames/b.jpg", std::string("b")).ok());
  ASSERT_TRUE((*b)->remove("frames/a.jpg").ok());
  EXPECT_FALSE(fs::exists((*b)->data_dir() / "frames/a.jpg"));
  EXPECT_FALSE((*b)->has("frames/a.jpg"));
  const auto lines = lines_of(read_all((*b)->dir() / "manifest-sha256.txt"));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("data/frames/b.jpg"), std::string::npos);
  EXPECT_TRUE((*b)->remove("frames/never.jpg").ok());
}

TEST(Bag, OpenExistingReloadsManifestForResume) {
  TempDir tmp;
  fs::path dir;
  {
    auto b = Bag::create(tmp.path(), "s");
    ASSERT_TRUE(b.ok());
    dir = (*b)->dir();
    ASSERT_TRUE((*b)->put("frames/a.dng", pattern_bytes(777, 1)).ok());
    ASSERT_TRUE((*b)->put("frames/a 100%.jpg", std::string("spaces and percent")).ok());
  }
  auto b = Bag::open_existing(dir);
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_TRUE((*b)->has("frames/a.dng"));
  EXPECT_TRUE((*b)->has("frames/a 100%.jpg"));
  ASSERT_TRUE((*b)->put("frames/b.dng", pattern_bytes(223, 2)).ok());
  ASSERT_TRUE((*b)->finalize({}).ok());
  EXPECT_TRUE(contains(lines_of(read_all(dir / "bag-info.txt")),
                       "Payload-Oxum: " + std::to_string(777 + 223 + 18) + ".3"));
  auto rep = verify_bag(dir);
  ASSERT_TRUE(rep.ok());
  EXPECT_TRUE(rep->ok()) << ::testing::PrintToString(rep->problems);
}

TEST(Bag, OpenExistingRejectsNonBag) {
  TempDir tmp;
  auto b = Bag::open_existing(tmp.path());
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().code, Errc::invalid);
  EXPECT_FALSE(Bag::open_existing(tmp.path() / "missing").ok());
}

TEST(Bag, ConcurrentPutsAllReachTheManifest) {
  TempDir tmp;
  auto b = Bag::create(tmp.path(), "s");
  ASSERT_TRUE(b.ok());
  std::vector<std::thread> ts;
  for (int t = 0; t < 3; ++t)
    ts.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i)
        EXPECT_TRUE((*b)->put(fmt::format("frames/t{}_{}.jpg", t, i),
                              pattern_bytes(1000 + i, static_cast<uint32_t>(t * 100 + i)))
                        .ok());
    });
  for (auto& t : ts) t.join();
  ASSERT_TRUE((*b)->finalize({}).ok());
  EXPECT_EQ(lines_of(read_all((*b)->dir() / "manifest-sha256.txt")).size(), 30u);
  auto rep = verify_bag((*b)->dir());
  ASSERT_TRUE(rep.ok());
  EXPECT_TRUE(rep->ok());
  EXPECT_EQ(rep->files_checked, 33u);
}

}  // namespace
}  // namespace tb::capture
