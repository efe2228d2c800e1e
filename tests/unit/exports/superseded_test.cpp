// A blurred frame retaken in place: the journal read back keeps both frames (the report shows
// the pair), and a dataset is made of the retake alone, unless the retake never came.
#include <gtest/gtest.h>

#include <fstream>

#include <unistd.h>

#include "tetherbox/capture/frame_source.hpp"
#include "tetherbox/capture/record.hpp"
#include "tetherbox/capture/resume.hpp"
#include "tetherbox/capture/storage.hpp"

namespace tb::capture {
namespace {

FrameRecord rec(uint64_t seq, const std::string& name) {
  FrameRecord f;
  f.seq = seq;
  f.name = name;
  return f;
}

// A frame retaken in place: the blurred one (superseded) and its retake, same seq.
struct RetakePair {
  FrameRecord blurred, retake;
};
RetakePair retake_pair(uint64_t seq, const std::string& name) {
  RetakePair p{rec(seq, name), rec(seq, name + "_r1")};
  p.blurred.superseded_by = p.retake.name;
  p.retake.retake_of = name;
  return p;
}

// The record as the journal holds it.
std::string frame_line(const FrameRecord& f) {
  auto l = to_json(f);
  l["type"] = "frame";
  return l.dump();
}

std::vector<std::string> names_of(const FrameSource& src) {
  std::vector<std::string> out;
  EXPECT_TRUE(src.for_each([&](const FrameRecord& f) {
    out.push_back(f.name);
    return ok_status();
  }));
  return out;
}

TEST(Superseded, FrameListKeepsAPairAndAResumeRetakeReplaces) {
  const auto [blurred, retake] = retake_pair(1, "a_1");
  // seq 2 was retaken at resume (a plain second line): the later one replaces the first.
  auto old2 = rec(2, "a_2_old");
  auto new2 = rec(2, "a_2");
  const std::vector<FrameRecord> v{rec(0, "a_0"), blurred, retake, old2, new2};
  const FrameList all(v);
  EXPECT_EQ(names_of(all), (std::vector<std::string>{"a_0", "a_1", "a_1_r1", "a_2"}));
  EXPECT_EQ(names_of(WithoutSuperseded(all)), (std::vector<std::string>{"a_0", "a_1_r1", "a_2"}));
}

TEST(Superseded, AFrameWhoseRetakeNeverCameStaysInTheDataset) {
  auto blurred = rec(3, "a_3");
  blurred.superseded_by = "a_3_r1";  // promised; the session stopped before it
  const std::vector<FrameRecord> v{rec(2, "a_2"), blurred, rec(4, "a_4")};
  const FrameList all(v);
  EXPECT_EQ(names_of(WithoutSuperseded(all)), (std::vector<std::string>{"a_2", "a_3", "a_4"}));
  const std::vector<FrameRecord> last{blurred};
  EXPECT_EQ(names_of(WithoutSuperseded(FrameList(last))), (std::vector<std::string>{"a_3"}));
}

TEST(Superseded, JournalReadBackJoinsEachPreviewToItsOwnFrame) {
  char tmpl[] = "/tmp/tb-superseded-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const fs::path dir(tmpl);
  const fs::path j = dir / "journal.jsonl";
  {
    const auto [blurred, retake] = retake_pair(5, "b_5");
    std::ofstream o(j);
    o << frame_line(blurred) << "\n"
      << frame_line(retake) << "\n"
      << R"({"type":"preview","seq":5,"name":"b_5","file":null,"fault":"first"})"
         "\n"
      << R"({"type":"preview","seq":5,"name":"b_5_r1","file":null,"fault":"second"})"
         "\n";
  }
  auto src = JournalFrames::index(j);
  ASSERT_TRUE(src) << src.error().message;
  std::vector<std::pair<std::string, std::vector<std::string>>> seen;
  ASSERT_TRUE(src->for_each([&](const FrameRecord& f) {
    seen.emplace_back(f.name, f.faults);
    return ok_status();
  }));
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].first, "b_5");
  EXPECT_EQ(seen[0].second, std::vector<std::string>{"first"});
  EXPECT_EQ(seen[1].first, "b_5_r1");
  EXPECT_EQ(seen[1].second, std::vector<std::string>{"second"});
  EXPECT_EQ(names_of(WithoutSuperseded(*src)), std::vector<std::string>{"b_5_r1"});
  fs::remove_all(dir);
}

// A kill after a retake's frame line and before its preview line: the superseded frame's
// preview (same seq) was journaled, the retake's was not. Resume must remake the retake's
// preview; keyed by seq it counted as seen and the retake was left without one.
TEST(Superseded, ResumeSeesWhichOfAPairHasItsPreview) {
  char tmpl[] = "/tmp/tb-superseded-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const fs::path dir(tmpl);
  {
    auto bag = Bag::create(dir / "bag", "bag");
    ASSERT_TRUE(bag) << bag.error().message;
    const auto [blurred, retake] = retake_pair(7, "c_7");
    std::ofstream o((*bag)->dir() / "data" / "journal.jsonl");
    o << frame_line(blurred) << "\n"
      << R"({"type":"preview","seq":7,"name":"c_7","file":null,"fault":"made"})"
         "\n"
      << frame_line(retake) << "\n";
    o.close();
    auto st = load_journal(**bag, false);
    ASSERT_TRUE(st) << st.error().message;
    EXPECT_EQ(st->preview_seen.count("c_7"), 1u);
    EXPECT_EQ(st->preview_seen.count("c_7_r1"), 0u);
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace tb::capture
