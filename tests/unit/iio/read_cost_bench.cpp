// Benchmark (not a test): cost of one sensor attribute read through the FUSE-served tree vs a
// plain read of the same file, in the same run, as p50/p99 and a ratio. Prints SKIPPED where
// FUSE cannot mount.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "fake_sysfs.hpp"
#include "fuse_tree.hpp"

namespace {

std::vector<double> time_reads(const std::string& path, int n) {
  std::vector<double> us;
  us.reserve(n);
  char buf[64];
  for (int i = 0; i < n; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    const int fd = ::open(path.c_str(), O_RDONLY);
    const ssize_t got = fd >= 0 ? ::read(fd, buf, sizeof buf) : -1;
    if (fd >= 0) ::close(fd);
    const auto t1 = std::chrono::steady_clock::now();
    if (got <= 0) return {};
    us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  std::sort(us.begin(), us.end());
  return us;
}

double pct(const std::vector<double>& v, double p) {
  return v[static_cast<size_t>(p * (v.size() - 1))];
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 5000;
  tb::test::FakeSysfs fs;
  auto dev = fs.iio(0, "bme280");
  tb::test::FakeSysfs::set(dev, "in_temp_input", "23450");
  const std::string mnt = fs.root().string() + ".mnt";
  std::filesystem::create_directories(mnt);
  int rc = 0;
  {
    tb::test::FuseTree tree(fs.root().string(), mnt);
    if (const std::string why = tree.mount(); !why.empty()) {
      std::printf("SKIPPED: %s\n", why.c_str());
    } else {
      const auto plain = time_reads((dev / "in_temp_input").string(), n);
      const auto fuse = time_reads(mnt + "/bus/iio/devices/iio:device0/in_temp_input", n);
      if (plain.empty() || fuse.empty()) {
        std::printf("read failed\n");
        rc = 1;
      } else {
        std::printf("open+read+close of in_temp_input, %d reads each\n", n);
        std::printf("plain file: p50 %.1f us  p99 %.1f us\n", pct(plain, 0.5), pct(plain, 0.99));
        std::printf("FUSE tree:  p50 %.1f us  p99 %.1f us\n", pct(fuse, 0.5), pct(fuse, 0.99));
        std::printf("ratio FUSE/plain p50: %.1f\n", pct(fuse, 0.5) / pct(plain, 0.5));
      }
    }
  }
  std::filesystem::remove(mnt);
  return rc;
}
