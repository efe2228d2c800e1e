#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "../../../delivery/src/rename_exif.hpp"
#include "tetherbox/delivery/rename.hpp"

namespace tb::delivery {
namespace {

TEST(RenameNames, EncodingKeepsUtf8AndRoundTripsAnyBytes) {
  EXPECT_EQ(encode_name("/a/IMG_0001.CR2"), "/a/IMG_0001.CR2");
  EXPECT_EQ(encode_name("caf\xc3\xa9.jpg"), "caf\xc3\xa9.jpg");  // UTF-8 stays readable
  EXPECT_EQ(encode_name("caf\xe9.jpg"), "caf%E9.jpg");           // Latin-1 byte
  EXPECT_EQ(encode_name("100%\n"), "100%25%0A");                 // '%' and controls
  EXPECT_EQ(encode_name("\xed\xa0\x80"), "%ED%A0%80");           // a surrogate is not UTF-8
  EXPECT_EQ(encode_name("\xc0\xaf"), "%C0%AF");                  // overlong '/'
  std::string all;
  for (int c = 1; c < 256; ++c) all += static_cast<char>(c);
  auto back = decode_name(encode_name(all));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, all);
  EXPECT_FALSE(decode_name("bad%G1").ok());
  EXPECT_FALSE(decode_name("cut%4").ok());
}

UtcTime at(int y, unsigned mo, unsigned d, int h, int mi, int s) {
  using namespace std::chrono;
  return UtcTime{sys_days{year{y} / month{mo} / day{d}} + hours{h} + minutes{mi} + seconds{s}};
}

TEST(RenameTime, ExifAndXmpDatesWithAndWithoutZone) {
  bool zone = false;
  auto t = parse_photo_time("2019:05:04 09:00:00", "", "+02:00", &zone);
  ASSERT_TRUE(t);
  EXPECT_TRUE(zone);
  EXPECT_EQ(*t, at(2019, 5, 4, 7, 0, 0));
  t = parse_photo_time("2019:05:04 09:00:00", "25", "", &zone);  // SubSec "25" is 0.25 s
  ASSERT_TRUE(t);
  EXPECT_FALSE(zone);
  EXPECT_EQ(*t, at(2019, 5, 4, 9, 0, 0) + std::chrono::milliseconds(250));
  t = parse_photo_time("2019-05-04T09:00:00.5-03:30", "", "", &zone);
  ASSERT_TRUE(t);
  EXPECT_TRUE(zone);
  EXPECT_EQ(*t, at(2019, 5, 4, 12, 30, 0) + std::chrono::milliseconds(500));
  EXPECT_FALSE(parse_photo_time("0000:00:00 00:00:00", "", "", &zone));  // a blank camera clock
  EXPECT_FALSE(parse_photo_time("    :  :     :  :  ", "", "", &zone));
  EXPECT_FALSE(parse_photo_time("2019:02:30 10:00:00", "", "", &zone));  // no such day
  EXPECT_FALSE(parse_photo_time("2019:05:04 09:00:00 junk", "", "", &zone));
}

TEST(RenameUndo, AnIntentWithNoDoneLineIsSettledByWhichNameExists) {
  namespace fs = std::filesystem;
  const fs::path d = fs::temp_directory_path() / ("tb-rename-unit-" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  std::ofstream(d / "new_a") << "a";  // renamed, but the kill came before its done line
  std::ofstream(d / "old_b") << "b";  // its rename never happened
  const fs::path log = d / "log.jsonl";
  const std::string A = (d / "old_a").string(), A2 = (d / "new_a").string();
  const std::string B = (d / "old_b").string(), B2 = (d / "new_b").string();
  std::ofstream(log) << R"({"type":"rename","version":1})"
                        "\n"
                     << R"({"type":"file","id":0,"orig":")" << A << R"(","new":")" << A2 << "\"}\n"
                     << R"({"type":"file","id":1,"orig":")" << B << R"(","new":")" << B2 << "\"}\n"
                     << R"({"type":"intent","id":0,"from":")" << A << R"(","to":")" << A2 << "\"}\n"
                     << R"({"type":"intent","id":1,"from":")" << B << R"(","to":")" << B2 << "\"}\n"
                     << R"({"type":"done","i)";  // torn by a power cut
  auto n = undo_rename(log);
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(*n, 1u);
  EXPECT_TRUE(fs::exists(A));
  EXPECT_TRUE(fs::exists(B));
  EXPECT_FALSE(fs::exists(A2));
  fs::remove_all(d);
}

}  // namespace
}  // namespace tb::delivery
