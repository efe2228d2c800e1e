// The append-only journal and its torn-tail handling.
#include <gtest/gtest.h>

#include <thread>

#include "test_util.hpp"
#include "tetherbox/capture/storage.hpp"

namespace tb::capture {
namespace {

using testing::read_all;
using testing::TempDir;
using testing::write_raw;

TEST(Journal, AppendsWholeLinesThatReadBack) {
  TempDir tmp;
  const auto path = tmp.path() / "journal.jsonl";
  {
    auto j = Journal::open(path);
    ASSERT_TRUE(j.ok()) << j.error().message;
    ASSERT_TRUE((*j)->append(R"({"type":"start"})").ok());
    ASSERT_TRUE((*j)->append(R"({"type":"frame","seq":0})").ok());
  }
  EXPECT_EQ(read_all(path), "{\"type\":\"start\"}\n{\"type\":\"frame\",\"seq\":0}\n");
  bool torn = true;
  auto lines = Journal::read_lines(path, &torn);
  ASSERT_TRUE(lines.ok());
  EXPECT_FALSE(torn);
  EXPECT_EQ(*lines,
            (std::vector<std::string>{R"({"type":"start"})", R"({"type":"frame","seq":0})"}));
}

TEST(Journal, ReopenAppendsAfterExistingLines) {
  TempDir tmp;
  const auto path = tmp.path() / "journal.jsonl";
  ASSERT_TRUE((*Journal::open(path))->append("a").ok());
  ASSERT_TRUE((*Journal::open(path))->append("b").ok());
  auto lines = Journal::read_lines(path);
  ASSERT_TRUE(lines.ok());
  EXPECT_EQ(*lines, (std::vector<std::string>{"a", "b"}));
}

TEST(Journal, TornTailIsIgnoredAndReported) {
  TempDir tmp;
  const auto path = tmp.path() / "journal.jsonl";
  ASSERT_TRUE((*Journal::open(path))->append(R"({"seq":0})").ok());
  write_raw(path, R"({"seq":1,"na)", /*append=*/true);  // power cut mid-write

  bool torn = false;
  auto lines = Journal::read_lines(path, &torn);
  ASSERT_TRUE(lines.ok());
  EXPECT_TRUE(torn);
  EXPECT_EQ(*lines, std::vector<std::string>{R"({"seq":0})"});

  // Resuming cuts the fragment so the next line is not glued onto it.
  ASSERT_TRUE((*Journal::open(path))->append(R"({"seq":1})").ok());
  lines = Journal::read_lines(path, &torn);
  ASSERT_TRUE(lines.ok());
  EXPECT_FALSE(torn);
  EXPECT_EQ(*lines, (std::vector<std::string>{R"({"seq":0})", R"({"seq":1})"}));
}

TEST(Journal, ZeroFilledTailCountsAsTorn) {
  TempDir tmp;
  const auto path = tmp.path() / "journal.jsonl";
  ASSERT_TRUE((*Journal::open(path))->append("x").ok());
  write_raw(path, std::string(16, '\0') + "\n", true);
  bool torn = false;
  auto lines = Journal::read_lines(path, &torn);
  ASSERT_TRUE(lines.ok());
  EXPECT_TRUE(torn);
  EXPECT_EQ(*lines, std::vector<std::string>{"x"});
}

TEST(Journal, RejectsEmbeddedNewline) {
  TempDir tmp;
  auto j = Journal::open(tmp.path() / "journal.jsonl");
  ASSERT_TRUE(j.ok());
  auto st = (*j)->append("two\nlines");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Errc::invalid);
  EXPECT_EQ(read_all(tmp.path() / "journal.jsonl"), "");
}

TEST(Journal, ConcurrentAppendsStayWholeLines) {
  TempDir tmp;
  const auto path = tmp.path() / "journal.jsonl";
  auto j = Journal::open(path);
  ASSERT_TRUE(j.ok());
  constexpr int kThreads = 4, kPer = 50;
  std::vector<std::thread> ts;
  for (int t = 0; t < kThreads; ++t)
    ts.emplace_back([&, t] {
      for (int i = 0; i < kPer; ++i)
        EXPECT_TRUE((*j)->append(std::string(100 + t, static_cast<char>('a' + t))).ok());
    });
  for (auto& t : ts) t.join();
  auto lines = Journal::read_lines(path);
  ASSERT_TRUE(lines.ok());
  ASSERT_EQ(lines->size(), static_cast<size_t>(kThreads * kPer));
  for (const auto& l : *lines) {
    ASSERT_FALSE(l.empty());
    EXPECT_EQ(l, std::string(l.size(), l[0]));
    EXPECT_EQ(l.size(), 100u + static_cast<size_t>(l[0] - 'a'));
  }
}

TEST(Journal, ReadOnlyDirectoryIsRefused) {
  TempDir tmp;
  const auto dir = tmp.path() / "ro";
  fs::create_directory(dir);
  fs::permissions(dir, fs::perms::owner_read | fs::perms::owner_exec);
  Result<std::unique_ptr<Journal>> j = make_error(Errc::internal, "not run");
  testing::run_unprivileged([&] { j = Journal::open(dir / "journal.jsonl"); });
  ASSERT_FALSE(j.ok());
  EXPECT_EQ(j.error().code, Errc::refused) << j.error().message;
}

TEST(Journal, MissingFileIsNotFound) {
  auto lines = Journal::read_lines("/nonexistent/journal.jsonl");
  ASSERT_FALSE(lines.ok());
  EXPECT_EQ(lines.error().code, Errc::not_found);
}

}  // namespace
}  // namespace tb::capture
