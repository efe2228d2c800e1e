// The journal read back for a resume (load_journal, simdjson) and reopened for appending
// (Journal::open reads only its tail): what each kind of line contributes, what is an error
// (naming path:line), and torn tails of every shape.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "test_util.hpp"
#include "tetherbox/capture/resume.hpp"
#include "tetherbox/capture/storage.hpp"

namespace tb::capture {
namespace {

using testing::read_all;
using testing::TempDir;
using testing::write_raw;

// A frame line as the runner writes it, with the keys resume does not read around the ones
// it does (GPS, ambient, exposure: skipped).
std::string frame_line(uint64_t seq, const std::string& name, const std::string& extra = "") {
  return fmt::format(
      R"({{"ambient":{{"available":false,"reason":"none"}},"commanded":{{"iso":100}},)"
      R"("faults":["f{0}"],"files":[{{"camera_name":"IMG.JPG","path":"data/frames/{1}.jpg",)"
      R"("role":"original","sha256":"{2}","size":{0}}}],"gps":{{"fix":false}},)"
      R"("name":"{1}","optics":{{"changed":false,"focal_length_mm":35.0,"measured":true}},)"
      R"("position":{{"azimuth_deg":0.0,"light":"key","ring":0}},"request_id":{3},)"
      R"("sharpness":{{"blurred":false,"measured":true,"value":12.5}},"seq":{0}{4},)"
      R"("type":"frame","utc":"2026-12-06T00:00:00Z"}})",
      seq, name, std::string(64, 'a'), seq + 1, extra);
}

struct JournalBag {
  TempDir tmp;
  std::unique_ptr<Bag> bag;
  fs::path journal;
  JournalBag() {
    auto b = Bag::create(tmp.path(), "bag");
    EXPECT_TRUE(b.ok()) << b.error().message;
    bag = std::move(*b);
    journal = bag->data_dir() / "journal.jsonl";
  }
  void write(const std::string& text) { write_raw(journal, text); }
};

TEST(ResumeJournal, EachKindOfLineGivesWhatResumeNeeds) {
  JournalBag jb;
  jb.write(
      R"({"plan_fingerprint":"4:abc","type":"session_start"})"
      "\n" +
      frame_line(0, "s_0") + "\n" + frame_line(1, "s_1") + "\n" +
      // The preview of s_0, named: its file and fault join s_0's record.
      R"({"file":{"path":"data/previews/s_0.jpg","role":"preview","sha256":")" +
      std::string(64, 'b') +
      R"(","size":9},"histogram":{"mean":0.5,"measured":true},"fault":"slow","name":"s_0","seq":0,"type":"preview"})"
      "\n"
      // A session fault (no seq) and a line of another kind whose keys share names with a
      // frame's but not their types: left alone.
      R"({"message":"gps lost","type":"fault"})"
      "\n"
      R"({"files":3,"name":7,"position":12.5,"request_id":40,"type":"turntable"})"
      "\n");
  auto st = load_journal(*jb.bag, false);
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(st->plan_fingerprint, "4:abc");
  EXPECT_EQ(st->done_seqs, (std::set<uint64_t>{0, 1}));
  EXPECT_EQ(st->next_request_id, 41u);  // request ids of every kind of line count
  EXPECT_EQ(st->session_faults, std::vector<std::string>{"gps lost"});
  EXPECT_EQ(st->preview_seen, std::set<std::string>{"s_0"});
  ASSERT_EQ(st->frames.size(), 2u);
  const auto& f0 = st->frames[0];
  EXPECT_EQ(f0.name, "s_0");
  EXPECT_EQ(f0.request_id, 1u);
  EXPECT_EQ(f0.position.light, "key");
  ASSERT_EQ(f0.files.size(), 2u);
  EXPECT_EQ(f0.files[0].path, "data/frames/s_0.jpg");
  EXPECT_EQ(f0.files[0].camera_name, "IMG.JPG");
  EXPECT_EQ(f0.files[0].sha256, std::string(64, 'a'));
  EXPECT_EQ(f0.files[1].role, "preview");
  EXPECT_EQ(f0.files[1].size, 9u);
  EXPECT_EQ(f0.faults, (std::vector<std::string>{"f0", "slow"}));
  EXPECT_TRUE(f0.histogram.measured);
  EXPECT_DOUBLE_EQ(f0.histogram.mean, 0.5);
  EXPECT_TRUE(f0.optics.measured);
  EXPECT_DOUBLE_EQ(f0.optics.focal_length_mm.value_or(0), 35.0);
  EXPECT_TRUE(f0.sharpness.measured);
  EXPECT_DOUBLE_EQ(f0.sharpness.value, 12.5);
  EXPECT_EQ(st->frames[1].files[0].size, 1u);
  EXPECT_FALSE(st->torn_tail);
}

TEST(ResumeJournal, RetakesAtResumeAndInPlaceAreFolded) {
  JournalBag jb;
  jb.write(frame_line(3, "s_3") + "\n" +
           R"({"message":"gone","name":"s_3","retake":true,"seq":3,"type":"fault"})"
           "\n" +
           frame_line(4, "s_4", R"(,"superseded_by":"s_4_r1")") + "\n" +
           frame_line(4, "s_4_r1", R"(,"retake_number":1,"retake_of":"s_4")") + "\n" +
           frame_line(5, "s_5_old") + "\n" + frame_line(5, "s_5") + "\n");
  auto st = load_journal(*jb.bag, false);
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(st->done_seqs, (std::set<uint64_t>{4, 5}));  // seq 3 is taken again
  std::vector<std::string> names;
  for (const auto& f : st->frames) names.push_back(f.name);
  EXPECT_EQ(names, (std::vector<std::string>{"s_4", "s_4_r1", "s_5"}));
  EXPECT_EQ(st->frames[0].superseded_by, "s_4_r1");
  EXPECT_EQ(st->frames[1].retake_of, "s_4");
  EXPECT_EQ(st->frames[1].retake_number, 1);
}

TEST(ResumeJournal, EscapedAndNonAsciiNamesAreDecoded) {
  JournalBag jb;
  jb.write(frame_line(0, R"(caf\u00e9 \"q\")") + "\n");
  auto st = load_journal(*jb.bag, false);
  ASSERT_TRUE(st.ok()) << st.error().message;
  ASSERT_EQ(st->frames.size(), 1u);
  EXPECT_EQ(st->frames[0].name, "caf\xc3\xa9 \"q\"");
}

// Every unreadable line is an error naming the journal and the line; nothing is guessed.
TEST(ResumeJournal, UnreadableLinesAreErrorsNamingTheLine) {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"not json", "not JSON"},
      {R"({"type":"frame","seq":"7","name":"a","request_id":1,"files":[]})", "seq as a string"},
      {R"({"type":"frame","seq":7,"request_id":1,"files":[]})", "frame without name"},
      {R"({"type":"frame","seq":7,"name":"a","request_id":1,"files":[{"path":"x"}]})",
       "file record without its hash"},
      {R"({"type":"preview","name":"a"})", "preview without seq"},
      {R"({"type":"fault","message":"x"} trailing)", "text after the object"},
      {"{\"type\":\"fault\",\"message\":\"\xff\xfe\"}", "bytes that are not UTF-8"},
      {R"([1,2])", "an array, not an object"},
  };
  for (const auto& [line, why] : bad) {
    JournalBag jb;
    jb.write(frame_line(0, "ok") + "\n" + line + "\n" + frame_line(1, "after") + "\n");
    auto st = load_journal(*jb.bag, false);
    ASSERT_FALSE(st.ok()) << why;
    EXPECT_EQ(st.error().code, Errc::invalid) << why;
    EXPECT_NE(st.error().message.find("journal.jsonl:2: unreadable journal line"),
              std::string::npos)
        << why << ": " << st.error().message;
  }
}

// The journal is read 4 MiB at a time: lines across a chunk's end, a line longer than a
// chunk, and a torn tail after them are read as in a short journal.
TEST(ResumeJournal, LinesAcrossAndLongerThanAReadChunk) {
  JournalBag jb;
  std::string text;
  uint64_t seq = 0;
  while (text.size() < (9u << 20)) {
    // A value the resume skips pads each line: 5 MiB once, 1-4 kB otherwise.
    const size_t pad = seq == 1500 ? (5u << 20) : 1000 + seq % 3000;
    text += frame_line(seq, fmt::format("s_{}", seq),
                       fmt::format(R"(,"zz_skipped":"{}")", std::string(pad, 'p'))) +
            "\n";
    ++seq;
  }
  jb.write(text + R"({"type":"frame","seq":)");
  auto st = load_journal(*jb.bag, false);
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_TRUE(st->torn_tail);
  ASSERT_EQ(st->frames.size(), seq);
  for (uint64_t i = 0; i < seq; ++i) {
    ASSERT_EQ(st->frames[i].name, fmt::format("s_{}", i));
    ASSERT_EQ(st->frames[i].files.at(0).size, i);
  }
  EXPECT_EQ(st->next_request_id, seq + 1);
}

TEST(ResumeJournal, ATornLastLineIsCutOnRepairAndOnlyReportedWithout) {
  for (const auto& tail : {std::string(R"({"type":"frame","se)"),
                                 std::string(20, '\0') + "\n"}) {
    JournalBag jb;
    // A session_start line: a frame line would claim a file that is not there (a retake).
    const std::string whole = R"({"plan_fingerprint":"1:x","type":"session_start"})" "\n";
    jb.write(whole + tail);
    auto looked = load_journal(*jb.bag, false);
    ASSERT_TRUE(looked.ok()) << looked.error().message;
    EXPECT_TRUE(looked->torn_tail);
    EXPECT_EQ(looked->plan_fingerprint, "1:x");
    EXPECT_EQ(read_all(jb.journal), whole + tail);  // without repair nothing is written
    auto repaired = load_journal(*jb.bag, true);
    ASSERT_TRUE(repaired.ok()) << repaired.error().message;
    EXPECT_TRUE(repaired->torn_tail);
    EXPECT_EQ(read_all(jb.journal), whole);
  }
}

TEST(ResumeJournal, NoJournalIsEmptyOnRepairAndAnErrorWithout) {
  JournalBag jb;
  auto plain = load_journal(*jb.bag, false);
  ASSERT_FALSE(plain.ok());
  EXPECT_EQ(plain.error().code, Errc::not_found);
  auto repaired = load_journal(*jb.bag, true);
  ASSERT_TRUE(repaired.ok()) << repaired.error().message;
  EXPECT_TRUE(repaired->frames.empty());
}

// Journal::open reads the tail only (backwards, 64 KiB at a time): tails longer than a read,
// lines longer than a read, a file that is nothing but a torn line.
TEST(JournalTail, TornTailsOfEveryShapeAreCutOnOpen) {
  const std::string big_line(150 * 1024, 'x');  // longer than two backward reads
  struct Case {
    std::string before, torn;
  };
  const std::vector<Case> cases = {
      {"a\n", "partial"},
      {"a\n", std::string(200 * 1024, 'p')},
      {"", "only a torn line"},
      {"a\n", std::string(16, '\0') + "\n"},
      {"a\n" + big_line + "\n", "x" + std::string(70 * 1024, '\0') + "\n"},
      {big_line + "\n", std::string(100 * 1024, 'q')},
  };
  for (const auto& c : cases) {
    TempDir tmp;
    const auto path = tmp.path() / "journal.jsonl";
    write_raw(path, c.before + c.torn);
    auto j = Journal::open(path);
    ASSERT_TRUE(j.ok()) << j.error().message;
    ASSERT_TRUE((*j)->append("b").ok());
    EXPECT_EQ(read_all(path), c.before + "b\n") << "torn tail of " << c.torn.size() << " bytes";
  }
}

TEST(JournalTail, WholeLinesAreKeptOnOpen) {
  const std::string big_line(150 * 1024, 'y');
  for (const auto& text : {std::string("a\n"), big_line + "\n", "a\n" + big_line + "\nc\n",
                                 std::string("\n")}) {
    TempDir tmp;
    const auto path = tmp.path() / "journal.jsonl";
    write_raw(path, text);
    auto j = Journal::open(path);
    ASSERT_TRUE(j.ok()) << j.error().message;
    ASSERT_TRUE((*j)->append("b").ok());
    EXPECT_EQ(read_all(path), text + "b\n");
  }
}

}  // namespace
}  // namespace tb::capture
