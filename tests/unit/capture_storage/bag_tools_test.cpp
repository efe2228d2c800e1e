// End to end with an independent reader: a bag written through the real pipeline is checked
// by coreutils' sha256sum, and a corruption sha256sum sees is the one verify_bag reports.
#include <gtest/gtest.h>

#include "test_util.hpp"
#include "tetherbox/capture/pipeline.hpp"
#include "tetherbox/capture/preview.hpp"

namespace tb::capture {
namespace {

using testing::pattern_bytes;
using testing::read_all;
using testing::run_command;
using testing::TempDir;
using testing::write_raw;

std::vector<uint8_t> gradient_jpeg() {
  const int w = 640, h = 480;
  std::vector<uint8_t> rgb(static_cast<size_t>(w) * h * 3);
  for (size_t i = 0; i < rgb.size(); ++i) rgb[i] = static_cast<uint8_t>((i / 3) % 251);
  auto pv = make_preview_from_rgb(rgb, w, h, w, 92);
  if (!pv) throw std::runtime_error(pv.error().message);
  return pv->jpeg;
}

class BagTools : public ::testing::Test {
 protected:
  void SetUp() override {
    auto b = Bag::create(tmp_.path(), "20261125T163552Z_tools");
    ASSERT_TRUE(b.ok()) << b.error().message;
    bag_ = std::move(*b);
    auto j = Journal::open(bag_->data_dir() / "journal.jsonl");
    ASSERT_TRUE(j.ok());
    journal_ = std::move(*j);
    PipelineOptions opts;
    opts.reserve_bytes = 0;
    opts.previews.max_size = 200;
    opts.sidecar.session = "tools";
    {
      Pipeline pipe(*bag_, *journal_, opts);
      const auto jpeg = gradient_jpeg();
      for (uint64_t i = 0; i < 4; ++i) {
        PipelineJob job;
        job.record.seq = i;
        job.record.request_id = i + 1;
        job.record.name = fmt::format("tools_{:05}", i);
        job.record.trigger_utc = std::chrono::system_clock::now();
        job.capture.files.push_back({"DSC_0001.NEF", "nef", "image/x-nikon-nef",
                                     pattern_bytes(300000 + i, static_cast<uint32_t>(i))});
        job.capture.files.push_back({"DSC_0001.JPG", "jpg", "image/jpeg", jpeg});
        ASSERT_TRUE(pipe.push(std::move(job)).ok());
      }
      ASSERT_TRUE(pipe.drain().ok());
    }
    ASSERT_TRUE(bag_->put("session.yaml", std::string("session:\n  name: tools\n")).ok());
    ASSERT_TRUE(bag_->add_existing("journal.jsonl").ok());
    ASSERT_TRUE(bag_->finalize({{"External-Description", "storage integration test"}}).ok());
  }

  int sha256sum_check(const std::string& manifest, std::string* out) {
    return run_command(
        fmt::format("cd '{}' && sha256sum --strict -c {}", bag_->dir().string(), manifest), out);
  }

  TempDir tmp_;
  std::unique_ptr<Bag> bag_;
  std::unique_ptr<Journal> journal_;
};

TEST_F(BagTools, Sha256sumAcceptsBothManifests) {
  std::string out;
  ASSERT_EQ(sha256sum_check("manifest-sha256.txt", &out), 0) << out;
  // 4 frames x (nef, jpg, preview, xmp) + session.yaml + journal.jsonl
  size_t oks = 0;
  for (size_t p = out.find(": OK"); p != std::string::npos; p = out.find(": OK", p + 1)) ++oks;
  EXPECT_EQ(oks, 18u) << out;
  out.clear();
  ASSERT_EQ(sha256sum_check("tagmanifest-sha256.txt", &out), 0) << out;

  auto rep = verify_bag(bag_->dir());
  ASSERT_TRUE(rep.ok());
  EXPECT_TRUE(rep->ok()) << ::testing::PrintToString(rep->problems)
                         << ::testing::PrintToString(rep->extra);
  EXPECT_EQ(rep->files_checked, 21u);
}

TEST_F(BagTools, CorruptionSeenBySha256sumIsSeenByVerify) {
  const auto victim = bag_->data_dir() / "frames/tools_00002.jpg";
  std::string bytes = read_all(victim);
  bytes[bytes.size() / 2] ^= 0x40;
  write_raw(victim, bytes);

  std::string out;
  EXPECT_NE(sha256sum_check("manifest-sha256.txt", &out), 0);
  EXPECT_NE(out.find("data/frames/tools_00002.jpg: FAILED"), std::string::npos) << out;
  auto rep = verify_bag(bag_->dir());
  ASSERT_TRUE(rep.ok());
  EXPECT_EQ(rep->changed, std::vector<std::string>{"data/frames/tools_00002.jpg"});
}

}  // namespace
}  // namespace tb::capture
