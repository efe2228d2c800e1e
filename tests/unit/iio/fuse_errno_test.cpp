// The iio backend reading a sysfs tree served through FUSE: reads that fail with real EIO,
// ETIMEDOUT and EAGAIN keep the last good reading and say why; a read that hangs does not
// block latest() and is reported as stalled. SKIPPED (not passed) where FUSE cannot mount.
#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>
#include <thread>

#include "fake_sysfs.hpp"
#include "fuse_tree.hpp"
#include "tetherbox/hal/iio/iio_ambient.hpp"

namespace tb {
namespace {

using namespace std::chrono_literals;
using test::FakeSysfs;

bool wait_for(const std::function<bool()>& pred) {
  const auto end = std::chrono::steady_clock::now() + 60s;  // hang guard only
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(2ms);
  }
  return pred();
}

bool temp_is(const hal::EnvironmentSensor& s, double c) {
  auto r = s.latest();
  return r && r->temperature_c && std::abs(*r->temperature_c - c) < 1e-9;
}

class IioFuse : public ::testing::Test {
 protected:
  void SetUp() override {
    dev_ = backing_.iio(0, "dht11");
    FakeSysfs::set(dev_, "in_temp_input", "21000");
    FakeSysfs::set(dev_, "in_humidityrelative_input", "50000");
    mnt_ = backing_.root().string() + ".mnt";
    std::filesystem::create_directories(mnt_);
    tree_ = std::make_unique<test::FuseTree>(backing_.root().string(), mnt_);
    if (const std::string why = tree_->mount(); !why.empty()) {
      tree_.reset();
      GTEST_SKIP() << "FUSE unavailable: " << why;
    }
    hal::iio_backend::Options o;
    o.sysfs_root = mnt_;
    o.device_name = "dht11";
    o.period = 10ms;
    sensor_ = hal::iio_backend::make_ambient(o, std::make_shared<hal::SystemClock>());
    sensor_->start();
    ASSERT_TRUE(wait_for([&] { return temp_is(*sensor_, 21.0); })) << sensor_->last_error();
  }
  void TearDown() override {
    if (tree_) tree_->clear(kTemp);
    if (tree_) tree_->clear(kHum);
    sensor_.reset();
    tree_.reset();
    std::error_code ec;
    std::filesystem::remove(mnt_, ec);
  }

  void transient_error_keeps_last_good(int err) {
    tree_->fail_reads(kHum, err);
    FakeSysfs::set(dev_, "in_temp_input", "22000");  // not published: the reading is incomplete
    const std::string want = std::strerror(err);
    ASSERT_TRUE(wait_for([&] { return sensor_->last_error().find(want) != std::string::npos; }))
        << "expected '" << want << "', got: " << sensor_->last_error();
    EXPECT_NE(sensor_->last_error().find("transient"), std::string::npos);
    EXPECT_NE(sensor_->last_error().find("in_humidityrelative_input"), std::string::npos);
    EXPECT_TRUE(temp_is(*sensor_, 21.0)) << "last good value kept";
    tree_->clear(kHum);
    ASSERT_TRUE(wait_for([&] { return temp_is(*sensor_, 22.0); })) << sensor_->last_error();
    EXPECT_TRUE(wait_for([&] { return sensor_->last_error().empty(); })) << sensor_->last_error();
  }

  static constexpr const char* kTemp = "bus/iio/devices/iio:device0/in_temp_input";
  static constexpr const char* kHum = "bus/iio/devices/iio:device0/in_humidityrelative_input";
  FakeSysfs backing_;
  std::filesystem::path dev_;
  std::string mnt_;
  std::unique_ptr<test::FuseTree> tree_;
  std::unique_ptr<hal::EnvironmentSensor> sensor_;
};

TEST_F(IioFuse, EioKeepsLastGoodReading) {
  transient_error_keeps_last_good(EIO);
}
TEST_F(IioFuse, EtimedoutKeepsLastGoodReading) {
  transient_error_keeps_last_good(ETIMEDOUT);
}
TEST_F(IioFuse, EagainKeepsLastGoodReading) {
  transient_error_keeps_last_good(EAGAIN);
}

TEST_F(IioFuse, HangingReadIsReportedAndLatestStillAnswers) {
  tree_->hang_reads(kTemp);
  ASSERT_TRUE(wait_for([&] { return tree_->hanging_now() > 0; }));
  ASSERT_TRUE(wait_for([&] {
    return sensor_->last_error().find("has not returned") != std::string::npos;
  })) << sensor_->last_error();
  // latest() answers from memory while the sampler is stuck in the kernel.
  EXPECT_TRUE(temp_is(*sensor_, 21.0));
  FakeSysfs::set(dev_, "in_temp_input", "19500");
  tree_->clear(kTemp);
  ASSERT_TRUE(wait_for([&] { return temp_is(*sensor_, 19.5); })) << sensor_->last_error();
}

TEST_F(IioFuse, PermanentErrorIsReportedNotTransient) {
  tree_->fail_reads(kTemp, EACCES);
  ASSERT_TRUE(wait_for([&] {
    return sensor_->last_error().find(std::strerror(EACCES)) != std::string::npos;
  })) << sensor_->last_error();
  EXPECT_EQ(sensor_->last_error().find("transient"), std::string::npos) << sensor_->last_error();
  EXPECT_TRUE(temp_is(*sensor_, 21.0));
}

}  // namespace
}  // namespace tb
