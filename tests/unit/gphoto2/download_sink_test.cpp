// DownloadSink: libgphoto2 writes a download chunk by chunk (gp_file_append, as ptp2 does while
// it reads the data phase); every byte must land in the frame's buffer, in order, whether it
// fits the reserved room or makes the buffer grow.
#include <gphoto2/gphoto2-file.h>
#include <gphoto2/gphoto2-result.h>
#include <gtest/gtest.h>

#include <numeric>
#include <vector>

#include "download_sink.hpp"

namespace {

using tb::hal::gphoto2_backend::DownloadSink;

std::vector<uint8_t> pattern(size_t n) {
  std::vector<uint8_t> v(n);
  std::iota(v.begin(), v.end(), uint8_t{7});
  return v;
}

void append_in_chunks(CameraFile* f, const std::vector<uint8_t>& bytes, size_t chunk) {
  for (size_t at = 0; at < bytes.size(); at += chunk) {
    const size_t n = std::min(chunk, bytes.size() - at);
    ASSERT_EQ(gp_file_append(f, reinterpret_cast<const char*>(bytes.data() + at), n), GP_OK);
  }
}

TEST(DownloadSink, ChunksLandInOrderWithinTheReservedRoom) {
  const auto want = pattern(300000);
  DownloadSink sink(want.size() + want.size() / 4);
  ASSERT_NE(sink.file(), nullptr);
  append_in_chunks(sink.file(), want, 65536);
  EXPECT_TRUE(sink.failure().empty());
  EXPECT_EQ(sink.take(), want);
}

TEST(DownloadSink, AFileLargerThanTheReservationGrowsTheBuffer) {
  const auto want = pattern(1 << 20);
  DownloadSink sink(1000);  // the previous frame was much smaller
  append_in_chunks(sink.file(), want, 512 * 1024 - 12);
  EXPECT_EQ(sink.take(), want);
}

TEST(DownloadSink, NothingWrittenIsAnEmptyFile) {
  DownloadSink sink(0);
  EXPECT_TRUE(sink.take().empty());
}

TEST(DownloadSink, TheFileIsNotReadBackThroughLibgphoto2) {
  DownloadSink sink(16);
  const char abc[] = "abc";
  ASSERT_EQ(gp_file_append(sink.file(), abc, 3), GP_OK);
  // The bytes are the frame's, not libgphoto2's: its in-memory accessor has none to give.
  const char* data = nullptr;
  unsigned long size = 0;
  EXPECT_LT(gp_file_get_data_and_size(sink.file(), &data, &size), GP_OK);
  EXPECT_EQ(sink.take(), (std::vector<uint8_t>{'a', 'b', 'c'}));
}

}  // namespace
