#pragma once
#include <optional>
#include <string>

#include "tetherbox/common/time_utc.hpp"

namespace tb::hal {

struct AmbientReading {
  std::optional<double> temperature_c;
  std::optional<double> humidity_pct;   // relative humidity
  std::optional<double> pressure_hpa;
  std::string sensor_id;                // "sim", "iio:device0/bme280", "hwmon2/sht4x"
  UtcTime read_utc{};
  SteadyTime read_steady{};
  std::string error;                    // last read error when the sensor is failing
};

// A background sampler: latest() never blocks on the device.
class EnvironmentSensor {
 public:
  virtual ~EnvironmentSensor() = default;
  virtual void start() = 0;
  virtual void stop() = 0;
  // Latest successful reading, or nullopt when the sensor never answered.
  virtual std::optional<AmbientReading> latest() const = 0;
  // Last failure, empty when the last read worked.
  virtual std::string last_error() const = 0;
};

}  // namespace tb::hal
