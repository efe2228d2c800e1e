#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "log_journal.hpp"
#include "tetherbox/common/log.hpp"

namespace tb::log {
namespace {

using Items = std::vector<std::string>;

// Globals outlive a test; every test starts and ends with none.
struct LogContext : ::testing::Test {
  void SetUp() override { clear(); }
  void TearDown() override { clear(); }
  static void clear() {
    for (auto f : {Field::session, Field::frame, Field::request_id}) set_global(f, "");
  }
};

TEST_F(LogContext, NoContextNoItems) {
  EXPECT_EQ(context_items(), Items{});
}

TEST_F(LogContext, ScopesNestAndRestore) {
  {
    Scope s(Field::session, "2026-12-06T041030Z_small");
    {
      Scope f(Field::frame, "small_00003");
      Scope r(Field::request_id, "17");
      EXPECT_EQ(context_items(), (Items{"TB_SESSION=2026-12-06T041030Z_small",
                                        "TB_FRAME=small_00003", "TB_REQUEST_ID=17"}));
      {
        Scope f2(Field::frame, "small_00004");
        EXPECT_EQ(context_items()[1], "TB_FRAME=small_00004");
      }
      EXPECT_EQ(context_items()[1], "TB_FRAME=small_00003");
    }
    EXPECT_EQ(context_items(), Items{"TB_SESSION=2026-12-06T041030Z_small"});
  }
  EXPECT_EQ(context_items(), Items{});
}

TEST_F(LogContext, GlobalIsSeenByEveryThreadAndAScopeOverridesIt) {
  set_global(Field::session, "s1");
  Items other;
  std::thread([&] { other = context_items(); }).join();
  EXPECT_EQ(other, Items{"TB_SESSION=s1"});
  {
    Scope s(Field::session, "s2");
    EXPECT_EQ(context_items(), Items{"TB_SESSION=s2"});
  }
  EXPECT_EQ(context_items(), Items{"TB_SESSION=s1"});
  set_global(Field::session, "");
  EXPECT_EQ(context_items(), Items{});
}

TEST_F(LogContext, ScopeStaysOnItsThread) {
  Scope f(Field::frame, "f1");
  Items other;
  std::thread([&] { other = context_items(); }).join();
  EXPECT_EQ(other, Items{});
  EXPECT_EQ(context_items(), Items{"TB_FRAME=f1"});
}

TEST_F(LogContext, JournalItemsCarryPriorityIdentifierSourceAndContext) {
  Scope r(Field::request_id, "42");
  spdlog::details::log_msg warn(spdlog::source_loc{"runner.cpp", 12, "step"}, "tetherbox",
                                spdlog::level::warn, "camera busy\nretrying");
  EXPECT_EQ(journal_items(warn, "tetherboxd"),
            (Items{"MESSAGE=camera busy\nretrying", "PRIORITY=4", "SYSLOG_IDENTIFIER=tetherboxd",
                   "CODE_FILE=runner.cpp", "CODE_LINE=12", "CODE_FUNC=step", "TB_REQUEST_ID=42"}));
  spdlog::details::log_msg crit("tetherbox", spdlog::level::critical, "x");
  Items c = journal_items(crit, "tetherbox");
  EXPECT_EQ(c[1], "PRIORITY=2");
  EXPECT_TRUE(std::none_of(c.begin(), c.end(),
                           [](const std::string& i) { return i.rfind("CODE_", 0) == 0; }));
  spdlog::details::log_msg dbg("tetherbox", spdlog::level::debug, "d");
  EXPECT_EQ(journal_items(dbg, "t")[1], "PRIORITY=7");
  spdlog::details::log_msg info("tetherbox", spdlog::level::info, "i");
  EXPECT_EQ(journal_items(info, "t")[1], "PRIORITY=6");
  spdlog::details::log_msg err("tetherbox", spdlog::level::err, "e");
  EXPECT_EQ(journal_items(err, "t")[1], "PRIORITY=3");
}

TEST_F(LogContext, FieldNamesAreJournalFieldNames) {
  for (auto f : {Field::session, Field::frame, Field::request_id}) {
    std::string n = field_name(f);
    EXPECT_TRUE(std::all_of(n.begin(), n.end(), [](char c) {
      return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    })) << n;
  }
}

}  // namespace
}  // namespace tb::log
