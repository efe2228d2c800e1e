// Retake bookkeeping: retake names never land on a name in use, and on resume the journal's
// frames say which position still owes the retake a blurred frame promised (and under which
// name), including a retake that was itself blurred and superseded.
#include <gtest/gtest.h>

#include "tetherbox/capture/quality_retake.hpp"

namespace tb::capture::quality {
namespace {

FrameRecord frame(uint64_t seq, std::string name, std::string superseded_by = "",
                  std::string retake_of = "", int number = 0) {
  FrameRecord f;
  f.seq = seq;
  f.name = std::move(name);
  f.superseded_by = std::move(superseded_by);
  f.retake_of = std::move(retake_of);
  f.retake_number = number;
  return f;
}

TEST(Retake, NameAvoidsEveryNameInUse) {
  EXPECT_EQ(retake_name("a_001", 1, {"a_001"}), "a_001_r1");
  EXPECT_EQ(retake_name("a", 2, {"a", "a_r2", "a_r2x"}), "a_r2xx");
}

TEST(Retake, PendingOnlyWhereThePromisedFrameIsMissing) {
  const std::vector<FrameRecord> done = {
      frame(0, "f0"),
      frame(1, "f1", "f1_r1"),  // retaken, retake present
      frame(1, "f1_r1", "", "f1", 1),
      frame(2, "f2", "f2_r1"),  // killed before its retake
      frame(3, "f3", "f3_r1"),  // retake blurred again, second missing
      frame(3, "f3_r1", "f3_r2", "f3", 1),
  };
  const auto p = pending_retakes(done);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_FALSE(p.count(0) || p.count(1));
  EXPECT_EQ(p.at(2).name, "f2_r1");
  EXPECT_EQ(p.at(2).superseded, "f2");
  EXPECT_EQ(p.at(2).base, "f2");
  EXPECT_EQ(p.at(2).number, 1);
  EXPECT_EQ(p.at(3).name, "f3_r2");
  EXPECT_EQ(p.at(3).superseded, "f3_r1");
  EXPECT_EQ(p.at(3).base, "f3");
  EXPECT_EQ(p.at(3).number, 2);
}

}  // namespace
}  // namespace tb::capture::quality
