// The iio backend on fake sysfs trees, one per chip family: names, units, raw/scale/offset,
// device selection, a missing device, garbage, and a device that vanishes and comes back.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <thread>

#include "fake_sysfs.hpp"
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

std::unique_ptr<hal::EnvironmentSensor> sampler(const FakeSysfs& fs, const std::string& name = "") {
  hal::iio_backend::Options o;
  o.sysfs_root = fs.root().string();
  o.device_name = name;
  o.period = 10ms;
  auto s = hal::iio_backend::make_ambient(o, std::make_shared<hal::SystemClock>());
  s->start();
  return s;
}

hal::AmbientReading first_reading(hal::EnvironmentSensor& s) {
  EXPECT_TRUE(wait_for([&] { return s.latest().has_value(); })) << s.last_error();
  return s.latest().value_or(hal::AmbientReading{});
}

TEST(IioSysfs, Bme280IioInputsInAbiUnits) {
  FakeSysfs fs;
  auto d = fs.iio(0, "bme280");
  FakeSysfs::set(d, "in_temp_input", "23450");              // milli degC
  FakeSysfs::set(d, "in_humidityrelative_input", "45123");  // milli percent
  FakeSysfs::set(d, "in_pressure_input", "101.325");        // kPa
  auto s = sampler(fs, "bme280");
  auto r = first_reading(*s);
  EXPECT_EQ(r.sensor_id, "iio:device0/bme280");
  EXPECT_NEAR(r.temperature_c.value_or(-1), 23.45, 1e-9);
  EXPECT_NEAR(r.humidity_pct.value_or(-1), 45.123, 1e-9);
  EXPECT_NEAR(r.pressure_hpa.value_or(-1), 1013.25, 1e-9);
  EXPECT_EQ(s->last_error(), "");
}

TEST(IioSysfs, Bmp280HasNoHumidity) {
  FakeSysfs fs;
  auto d = fs.iio(1, "bmp280");
  FakeSysfs::set(d, "in_temp_input", "-5250");
  FakeSysfs::set(d, "in_pressure_input", "98.7654");
  auto s = sampler(fs);  // found by its known name
  auto r = first_reading(*s);
  EXPECT_EQ(r.sensor_id, "iio:device1/bmp280");
  EXPECT_NEAR(r.temperature_c.value_or(-1), -5.25, 1e-9);
  EXPECT_FALSE(r.humidity_pct.has_value());
  EXPECT_NEAR(r.pressure_hpa.value_or(-1), 987.654, 1e-9);
}

TEST(IioSysfs, Hdc100xRawScaleOffset) {
  FakeSysfs fs;
  auto d = fs.iio(0, "hdc100x");
  FakeSysfs::set(d, "in_temp_raw", "26000");
  FakeSysfs::set(d, "in_temp_scale", "2.517700195");
  FakeSysfs::set(d, "in_temp_offset", "-15887.515151");
  FakeSysfs::set(d, "in_humidityrelative_raw", "30000");
  FakeSysfs::set(d, "in_humidityrelative_scale", "1.525878906");
  auto s = sampler(fs, "hdc100x");
  auto r = first_reading(*s);
  EXPECT_NEAR(r.temperature_c.value_or(-1), (26000 - 15887.515151) * 2.517700195 / 1000, 1e-6);
  EXPECT_NEAR(r.humidity_pct.value_or(-1), 30000 * 1.525878906 / 1000, 1e-6);
  EXPECT_FALSE(r.pressure_hpa.has_value());
}

TEST(IioSysfs, Dht11DriverForDht22) {
  FakeSysfs fs;
  auto d = fs.iio(3, "dht11");
  FakeSysfs::set(d, "in_temp_input", "21500");
  FakeSysfs::set(d, "in_humidityrelative_input", "55000");
  auto s = sampler(fs, "dht11");
  auto r = first_reading(*s);
  EXPECT_EQ(r.sensor_id, "iio:device3/dht11");
  EXPECT_NEAR(r.temperature_c.value_or(-1), 21.5, 1e-9);
  EXPECT_NEAR(r.humidity_pct.value_or(-1), 55.0, 1e-9);
}

TEST(IioSysfs, Sht4xAndSht3xOnHwmon) {
  for (const std::string chip : {"sht4x", "sht3x"}) {
    FakeSysfs fs;
    fs.hwmon(0, "cpu_thermal");  // a hwmon device that is not the sensor
    auto d = fs.hwmon(2, chip);
    FakeSysfs::set(d, "temp1_input", "22750");
    FakeSysfs::set(d, "humidity1_input", "40100");
    auto s = sampler(fs, chip);
    auto r = first_reading(*s);
    EXPECT_EQ(r.sensor_id, "hwmon2/" + chip);
    EXPECT_NEAR(r.temperature_c.value_or(-1), 22.75, 1e-9);
    EXPECT_NEAR(r.humidity_pct.value_or(-1), 40.1, 1e-9);
    EXPECT_FALSE(r.pressure_hpa.has_value());
  }
}

TEST(IioSysfs, DeviceNameSelectsAmongSeveral) {
  FakeSysfs fs;
  FakeSysfs::set(fs.iio(0, "bme280"), "in_temp_input", "10000");
  FakeSysfs::set(fs.hwmon(1, "sht4x"), "temp1_input", "30000");
  auto s = sampler(fs, "sht4x");
  auto r = first_reading(*s);
  EXPECT_EQ(r.sensor_id, "hwmon1/sht4x");
  EXPECT_NEAR(r.temperature_c.value_or(-1), 30.0, 1e-9);
}

TEST(IioSysfs, MissingDeviceIsReportedWithWhatWasFound) {
  FakeSysfs fs;
  fs.hwmon(0, "cpu_thermal");
  auto s = sampler(fs, "bme280");
  ASSERT_TRUE(wait_for([&] { return !s->last_error().empty(); }));
  const std::string e = s->last_error();
  EXPECT_NE(e.find("'bme280'"), std::string::npos) << e;
  EXPECT_NE(e.find(fs.root().string()), std::string::npos) << e;
  EXPECT_NE(e.find("hwmon0=cpu_thermal"), std::string::npos) << e;
  EXPECT_FALSE(s->latest().has_value());
}

TEST(IioSysfs, GarbageIsAnErrorNotAValue) {
  FakeSysfs fs;
  FakeSysfs::set(fs.iio(0, "bme280"), "in_temp_input", "12abc");
  auto s = sampler(fs, "bme280");
  ASSERT_TRUE(wait_for([&] { return !s->last_error().empty(); }));
  EXPECT_NE(s->last_error().find("not a number"), std::string::npos) << s->last_error();
  EXPECT_FALSE(s->latest().has_value());
}

TEST(IioSysfs, VanishedDeviceIsReportedAndPickedUpAgain) {
  FakeSysfs fs;
  auto d = fs.iio(0, "bme280");
  FakeSysfs::set(d, "in_temp_input", "20000");
  auto s = sampler(fs, "bme280");
  first_reading(*s);
  std::filesystem::remove_all(d);
  ASSERT_TRUE(wait_for([&] { return s->last_error().find("vanished") != std::string::npos; }))
      << s->last_error();
  // The last good reading stays, with its age; capture decides when it is too old.
  ASSERT_TRUE(s->latest().has_value());
  EXPECT_NEAR(s->latest()->temperature_c.value_or(-1), 20.0, 1e-9);

  d = fs.iio(4, "bme280");  // back, under a new index as after a rebind
  FakeSysfs::set(d, "in_temp_input", "24000");
  ASSERT_TRUE(wait_for([&] {
    auto r = s->latest();
    return r && r->temperature_c && std::abs(*r->temperature_c - 24.0) < 1e-9;
  })) << s->last_error();
  EXPECT_EQ(s->latest()->sensor_id, "iio:device4/bme280");
  EXPECT_TRUE(wait_for([&] { return s->last_error().empty(); })) << s->last_error();
}

}  // namespace
}  // namespace tb
