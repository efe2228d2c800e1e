// The control protocol's parser: what it accepts, what it refuses and with which code, and the
// replay of the fuzz corpus through the same property the fuzzer checks.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "fuzz_control_property.hpp"
#include "protocol.hpp"

namespace {

using namespace tb::daemon;
using nlohmann::json;

std::string code_of(std::string_view line) {
  auto p = parse_request(line);
  return p.request ? "ok" : p.error.code;
}

TEST(ControlProtocol, AcceptsEveryCommandWithItsArgs) {
  auto p = parse_request(R"({"id":7,"cmd":"start","args":{"config":"/x.yaml"}})");
  ASSERT_TRUE(p.request);
  EXPECT_EQ(p.request->cmd, "start");
  EXPECT_EQ(p.request->id, 7);
  EXPECT_EQ(p.request->args["config"], "/x.yaml");
  for (const auto& c : commands())
    EXPECT_EQ(code_of(json({{"id", "x"}, {"cmd", c.name}}).dump()), "ok") << c.name;
  EXPECT_EQ(code_of(R"({"cmd":"status"})"), "ok");  // id is optional (null)
  EXPECT_EQ(code_of(R"({"cmd":"status","args":null})"), "ok");
}

TEST(ControlProtocol, RefusesWithTheCodeThatNamesTheCause) {
  EXPECT_EQ(code_of("{"), code::bad_json);
  EXPECT_EQ(code_of("status"), code::bad_json);
  EXPECT_EQ(code_of(""), code::bad_json);
  EXPECT_EQ(code_of("[1,2]"), code::bad_request);
  EXPECT_EQ(code_of(R"({"id":{},"cmd":"status"})"), code::bad_request);
  EXPECT_EQ(code_of(R"({"id":1})"), code::bad_request);
  EXPECT_EQ(code_of(R"({"id":1,"cmd":"status","x":1})"), code::bad_request);
  EXPECT_EQ(code_of(R"({"id":1,"cmd":"format-disk"})"), code::unknown_cmd);
  EXPECT_EQ(code_of(R"({"id":1,"cmd":"status","args":[]})"), code::bad_args);
  EXPECT_EQ(code_of(R"({"id":1,"cmd":"status","args":{"x":1}})"), code::bad_args);
  EXPECT_EQ(code_of(R"({"id":1,"cmd":"pause","args":{"on":"yes"}})"), code::bad_args);
  EXPECT_EQ(code_of(R"({"id":1,"cmd":"log","args":{"lines":2.5}})"), code::bad_args);
  EXPECT_EQ(code_of(std::string(200, '[') + std::string(200, ']')), code::bad_json);
  EXPECT_EQ(code_of(std::string(kMaxRequestBytes + 1, ' ')), code::too_large);
}

TEST(ControlProtocol, ErrorsKeepTheRequestIdWhenItCouldBeRead) {
  auto p = parse_request(R"({"id":"abc","cmd":"nope"})");
  ASSERT_FALSE(p.request);
  EXPECT_EQ(p.error.id, "abc");
  EXPECT_NE(p.error.message.find("nope"), std::string::npos);
  auto line = reply_error(p.error.id, p.error.code, p.error.message);
  auto j = json::parse(line);
  EXPECT_EQ(j["id"], "abc");
  EXPECT_FALSE(j["ok"].get<bool>());
  EXPECT_EQ(j["error"]["code"], "unknown_cmd");
}

TEST(ControlProtocol, RepliesNeverThrowOnInvalidUtf8) {
  const std::string bad = "camera \xff\xfe model";
  std::string line;
  ASSERT_NO_THROW(line = reply_ok(1, {{"model", bad}}));
  EXPECT_EQ(line.back(), '\n');
  EXPECT_FALSE(json::parse(line, nullptr, false).is_discarded());
  ASSERT_NO_THROW(line = reply_error(1, code::internal, bad));
  EXPECT_FALSE(json::parse(line, nullptr, false).is_discarded());
}

TEST(ControlProtocol, FuzzCorpusHoldsTheProperty) {
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(TB_CONTROL_CORPUS)) {
    std::ifstream in(e.path(), std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    ++n;
    EXPECT_EQ(tb::fuzz::check_control_line(s.str()), "") << e.path();
  }
  EXPECT_GE(n, 10);
}

}  // namespace
