// Atomic writes, hashing and the free-space guard.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "test_util.hpp"
#include "tetherbox/capture/storage.hpp"

namespace tb::capture {
namespace {

using testing::list_files;
using testing::pattern_bytes;
using testing::read_all;
using testing::TempDir;

TEST(AtomicWrite, WritesContentAndHashAndLeavesNoTempFile) {
  TempDir tmp;
  // Not a multiple of the write chunk, so the last short chunk is exercised.
  const auto data = pattern_bytes((9u << 20) + 12345, 7);
  auto w = write_file_atomic(tmp.path() / "frame.dng", data);
  ASSERT_TRUE(w.ok()) << w.error().message;
  EXPECT_EQ(w->size, data.size());
  EXPECT_EQ(w->sha256, sha256_hex(data));
  const std::string on_disk = read_all(tmp.path() / "frame.dng");
  EXPECT_TRUE(on_disk == std::string(data.begin(), data.end()));
  auto from_file = sha256_file(tmp.path() / "frame.dng");
  ASSERT_TRUE(from_file.ok());
  EXPECT_EQ(*from_file, w->sha256);
  EXPECT_EQ(list_files(tmp.path()), std::vector<std::string>{"frame.dng"});
}

TEST(AtomicWrite, Sha256MatchesPublishedVectors) {
  // FIPS 180-2 test vectors.
  const std::string abc = "abc";
  EXPECT_EQ(sha256_hex({reinterpret_cast<const uint8_t*>(abc.data()), abc.size()}),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex({}), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(AtomicWrite, OverwriteReplacesWholeFile) {
  TempDir tmp;
  ASSERT_TRUE(write_file_atomic(tmp.path() / "r.json", std::string(1000, 'a')).ok());
  ASSERT_TRUE(write_file_atomic(tmp.path() / "r.json", std::string("short")).ok());
  EXPECT_EQ(read_all(tmp.path() / "r.json"), "short");
  EXPECT_EQ(list_files(tmp.path()), std::vector<std::string>{"r.json"});
}

TEST(AtomicWrite, ReadOnlyDirIsRefusedAndDestinationUntouched) {
  TempDir tmp;
  const auto dir = tmp.path() / "ro";
  fs::create_directory(dir);
  ASSERT_TRUE(write_file_atomic(dir / "keep.txt", std::string("original")).ok());
  fs::permissions(dir, fs::perms::owner_read | fs::perms::owner_exec);
  Result<WrittenFile> w = make_error(Errc::internal, "not run");
  testing::run_unprivileged([&] { w = write_file_atomic(dir / "keep.txt", std::string("new")); });
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().code, Errc::refused) << w.error().message;
  EXPECT_NE(w.error().message.find(dir.string()), std::string::npos) << w.error().message;
  EXPECT_EQ(read_all(dir / "keep.txt"), "original");
  EXPECT_EQ(list_files(dir), std::vector<std::string>{"keep.txt"});
}

TEST(AtomicWrite, MissingDirectoryIsNotFound) {
  TempDir tmp;
  auto w = write_file_atomic(tmp.path() / "nope" / "x", std::string("x"));
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().code, Errc::not_found);
}

// A write that fails halfway (here: the file-size limit, the same code path as ENOSPC)
// removes its temp file and leaves the old destination as it was.
TEST(AtomicWrite, FailedWriteRemovesTempAndKeepsDestination) {
  TempDir tmp;
  ASSERT_TRUE(write_file_atomic(tmp.path() / "f.bin", std::string("old content")).ok());
  const auto big = pattern_bytes(8u << 20, 3);

  struct rlimit old {};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old), 0);
  auto* old_handler = ::signal(SIGXFSZ, SIG_IGN);
  struct rlimit lim = old;
  lim.rlim_cur = 1u << 20;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &lim), 0);
  auto w = write_file_atomic(tmp.path() / "f.bin", big);
  ::setrlimit(RLIMIT_FSIZE, &old);
  ::signal(SIGXFSZ, old_handler);

  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.error().message.find("f.bin"), std::string::npos) << w.error().message;
  EXPECT_EQ(read_all(tmp.path() / "f.bin"), "old content");
  EXPECT_EQ(list_files(tmp.path()), std::vector<std::string>{"f.bin"});
}

TEST(SpaceGuard, HugeReserveRefusesWithActionableMessage) {
  TempDir tmp;
  SpaceGuard guard(tmp.path(), 1ull << 60);
  auto st = guard.check(48u << 20);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Errc::no_space);
  EXPECT_NE(st.error().message.find("free on " + tmp.path().string()), std::string::npos)
      << st.error().message;
  EXPECT_NE(st.error().message.find("48.0 MB"), std::string::npos) << st.error().message;
}

TEST(SpaceGuard, AllowsWriteThatFits) {
  TempDir tmp;
  SpaceGuard guard(tmp.path(), 0);
  const uint64_t free = guard.free_bytes();
  ASSERT_GT(free, 1u << 20) << "test machine needs at least 1 MB free in " << tmp.path();
  EXPECT_TRUE(guard.check(4096).ok());
  // Asking for more than is free must fail even without a reserve.
  EXPECT_FALSE(guard.check(free * 4 + (1ull << 40)).ok());
}

TEST(SpaceGuard, UnreadableDirectoryIsAnError) {
  SpaceGuard guard("/nonexistent/tetherbox/dir", 0);
  auto st = guard.check(1);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Errc::io);
}

}  // namespace
}  // namespace tb::capture
