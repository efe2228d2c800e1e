#pragma once
// Ambient sensor from Linux sysfs (ambient.backend: iio): an IIO device
// (<root>/bus/iio/devices/iio:deviceN) or a hwmon device (<root>/class/hwmon/hwmonN) found by
// its `name` file. A background thread samples it; transient read errors (EIO, ETIMEDOUT,
// EAGAIN — a DHT22's normal life) keep the last good reading; a device that vanishes is
// reported and found again when it comes back.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "tetherbox/config/config.hpp"
#include "tetherbox/hal/clock.hpp"
#include "tetherbox/hal/environment.hpp"

namespace tb::hal::iio_backend {

struct Options {
  std::string sysfs_root = "/sys";
  std::string device_name;  // empty: the first device with a known sensor name
  std::chrono::milliseconds period{1000};
  // start() waits up to this long for the first sampling pass (found or not), so frames taken
  // right at session start carry the reading the sensor already has.
  std::chrono::milliseconds first_sample_wait{2000};
};

// Sensor names matched when no device_name is configured.
const std::vector<std::string>& known_sensor_names();

std::unique_ptr<EnvironmentSensor> make_ambient(const Options& opts, std::shared_ptr<Clock> clock);
std::unique_ptr<EnvironmentSensor> make_ambient(const config::Config& cfg,
                                                std::shared_ptr<Clock> clock);

}  // namespace tb::hal::iio_backend
