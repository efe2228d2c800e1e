#pragma once
// Fake sysfs trees in a temp directory: IIO and hwmon devices with `name` and channel files.
#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

namespace tb::test {

class FakeSysfs {
 public:
  FakeSysfs() {
    root_ = std::filesystem::temp_directory_path() /
            ("tb-sysfs-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    std::filesystem::create_directories(root_);
  }
  ~FakeSysfs() {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
  const std::filesystem::path& root() const { return root_; }

  std::filesystem::path iio(int n, const std::string& name) {
    return device(root_ / "bus/iio/devices" / ("iio:device" + std::to_string(n)), name);
  }
  std::filesystem::path hwmon(int n, const std::string& name) {
    return device(root_ / "class/hwmon" / ("hwmon" + std::to_string(n)), name);
  }
  // Writes the attribute through a rename, as a value changes atomically in sysfs.
  static void set(const std::filesystem::path& dev, const std::string& attr, const std::string& v) {
    const auto tmp = dev / (attr + ".tmp");
    std::ofstream(tmp) << v << "\n";
    std::filesystem::rename(tmp, dev / attr);
  }

 private:
  static int& counter() {
    static int c = 0;
    return c;
  }
  std::filesystem::path device(const std::filesystem::path& dir, const std::string& name) {
    std::filesystem::create_directories(dir);
    set(dir, "name", name);
    return dir;
  }
  std::filesystem::path root_;
};

}  // namespace tb::test
