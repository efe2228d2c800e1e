#include "sysfs_device.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace tb::hal::iio_backend {
namespace fs = std::filesystem;
namespace {

std::string read_text(const std::string& path, int& err) {
  err = 0;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    err = errno;
    return {};
  }
  char buf[128];
  ssize_t n;
  do {
    n = ::read(fd, buf, sizeof buf - 1);
  } while (n < 0 && errno == EINTR);
  if (n < 0) err = errno;
  ::close(fd);
  if (n < 0) return {};
  return std::string(buf, static_cast<size_t>(n));
}

std::string trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

bool present(const fs::path& p) {
  std::error_code ec;
  return fs::exists(p, ec);
}

// Optional static attribute (scale, offset): its value, `fallback` when absent.
double static_attr(const fs::path& p, double fallback) {
  if (!present(p)) return fallback;
  const AttrRead r = read_attr(p.string());
  return r.value.value_or(fallback);
}

// IIO ABI units: temperature milli-degC, relative humidity milli-percent, pressure kPa.
void add_iio_channels(Device& d) {
  struct Kind {
    Quantity q;
    const char* name;
    double unit;
  };
  const Kind kinds[] = {{Quantity::temperature_c, "temp", 1e-3},
                        {Quantity::humidity_pct, "humidityrelative", 1e-3},
                        {Quantity::pressure_hpa, "pressure", 10.0}};
  const fs::path dir(d.dir);
  for (const Kind& k : kinds) {
    for (const std::string& stem : {std::string("in_") + k.name, std::string("in_") + k.name + "0",
                                    std::string("in_") + k.name + "_ambient"}) {
      const fs::path input = dir / (stem + "_input");
      const fs::path raw = dir / (stem + "_raw");
      if (present(input)) {
        // _input is already scaled to the ABI unit.
        d.channels.push_back({k.q, input.string(), 0, 1, k.unit});
      } else if (present(raw)) {
        // The scale and offset may be shared by all channels of a type (in_temp_scale).
        const std::string type = std::string("in_") + k.name;
        const double scale =
            static_attr(dir / (stem + "_scale"), static_attr(dir / (type + "_scale"), 1.0));
        const double offset =
            static_attr(dir / (stem + "_offset"), static_attr(dir / (type + "_offset"), 0.0));
        d.channels.push_back({k.q, raw.string(), offset, scale, k.unit});
      } else {
        continue;
      }
      break;
    }
  }
}

// hwmon ABI units: temperature milli-degC, humidity milli-percent (no pressure class).
void add_hwmon_channels(Device& d) {
  const fs::path dir(d.dir);
  if (present(dir / "temp1_input"))
    d.channels.push_back({Quantity::temperature_c, (dir / "temp1_input").string(), 0, 1, 1e-3});
  if (present(dir / "humidity1_input"))
    d.channels.push_back({Quantity::humidity_pct, (dir / "humidity1_input").string(), 0, 1, 1e-3});
}

std::vector<fs::path> sorted_entries(const fs::path& dir, const std::string& prefix) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().filename().string().rfind(prefix, 0) == 0) out.push_back(it->path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

AttrRead read_attr(const std::string& path) {
  AttrRead r;
  const std::string text = trim(read_text(path, r.err));
  if (r.err != 0) return r;
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end == text.c_str() || *end != '\0' || errno == ERANGE) {
    r.detail = "not a number: '" + text.substr(0, 40) + "'";
    return r;
  }
  r.value = v;
  return r;
}

bool is_transient(int err) {
  return err == EIO || err == ETIMEDOUT || err == EAGAIN || err == EBUSY;
}

std::optional<Device> find_device(const std::string& root, const std::string& wanted,
                                  const std::vector<std::string>& known, std::string& why) {
  const fs::path iio = fs::path(root) / "bus/iio/devices";
  const fs::path hwmon = fs::path(root) / "class/hwmon";
  std::vector<std::string> seen;
  auto consider = [&](const fs::path& dir, bool is_iio) -> std::optional<Device> {
    int err = 0;
    const std::string name = trim(read_text((dir / "name").string(), err));
    if (err != 0 || name.empty()) return std::nullopt;
    seen.push_back(dir.filename().string() + "=" + name);
    const bool match = wanted.empty() ? std::find(known.begin(), known.end(), name) != known.end()
                                      : name == wanted;
    if (!match) return std::nullopt;
    Device d;
    d.dir = dir.string();
    d.id = dir.filename().string() + "/" + name;
    if (is_iio) {
      add_iio_channels(d);
    } else {
      add_hwmon_channels(d);
    }
    if (d.channels.empty()) {
      seen.back() += " (no temperature/humidity/pressure channel)";
      return std::nullopt;
    }
    return d;
  };
  for (const auto& p : sorted_entries(iio, "iio:device"))
    if (auto d = consider(p, true)) return d;
  for (const auto& p : sorted_entries(hwmon, "hwmon"))
    if (auto d = consider(p, false)) return d;
  std::string list;
  for (const auto& s : seen) list += (list.empty() ? "" : ", ") + s;
  why = "no sensor named " +
        (wanted.empty() ? std::string("like bme280/sht4x/dht11") : "'" + wanted + "'") + " under " +
        iio.string() + " or " + hwmon.string() +
        " (found: " + (list.empty() ? std::string("none") : list) +
        "); check the sensor's wiring and that its kernel driver or overlay is loaded";
  return std::nullopt;
}

}  // namespace tb::hal::iio_backend
