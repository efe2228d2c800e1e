#pragma once
// Finding a sensor in sysfs and reading its channels in physical units.
#include <optional>
#include <string>
#include <vector>

namespace tb::hal::iio_backend {

enum class Quantity { temperature_c, humidity_pct, pressure_hpa };

// One channel: value = (read(file) + offset) * scale * unit, where `file` is a _raw or _input
// attribute and `unit` converts the ABI unit (milli-degrees, milli-percent, kPa) to ours.
struct Channel {
  Quantity quantity;
  std::string file;  // absolute path of the attribute read each sample
  double offset = 0, scale = 1, unit = 1;
};

struct Device {
  std::string dir;  // sysfs directory
  std::string id;   // "iio:device0/bme280", "hwmon2/sht4x"
  std::vector<Channel> channels;
};

// Result of reading one attribute: a value, or the errno of the failing call.
struct AttrRead {
  std::optional<double> value;
  int err = 0;
  std::string detail;  // text when the file held no number
};
AttrRead read_attr(const std::string& path);

// Errors a working sensor returns now and then (a DHT22 misses one read in a few).
bool is_transient(int err);

// Scans <root>/bus/iio/devices and <root>/class/hwmon for a device whose `name` matches
// `wanted` (or, when empty, any of `known`). nullopt with `why` filled when none fits.
std::optional<Device> find_device(const std::string& root, const std::string& wanted,
                                  const std::vector<std::string>& known, std::string& why);

}  // namespace tb::hal::iio_backend
