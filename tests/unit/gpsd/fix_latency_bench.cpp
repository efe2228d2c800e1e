// Benchmark (not a test): latency from writing an NMEA epoch into gpsd's terminal to the epoch's
// fix being returned by the backend's latest(), through a real gpsd (p50/p99 over N epochs).
#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "gpsd_daemon.hpp"
#include "nmea_log.hpp"
#include "tetherbox/hal/gpsd/gpsd_gps.hpp"

int main(int argc, char** argv) {
  using namespace std::chrono_literals;
  const int n = argc > 1 ? std::atoi(argv[1]) : 200;
  char dir[] = "/tmp/tb-gpsd-bench.XXXXXX";
  if (mkdtemp(dir) == nullptr) return 1;
  tb::test::GpsdDaemon d(TB_GPSD_PATH, std::string(dir) + "/gpsd.log");
  if (auto e = d.open_terminal(); !e.empty()) return std::printf("%s\n", e.c_str()), 1;
  if (auto e = d.start(); !e.empty()) return std::printf("SKIPPED: %s\n", e.c_str()), 0;
  tb::hal::gpsd_backend::Options o;
  o.host = "127.0.0.1";
  o.port = d.port();
  o.backoff_max = 500ms;
  auto gps = tb::hal::gpsd_backend::make_gps(o, std::make_shared<tb::hal::SystemClock>());
  gps->start();
  const std::time_t t0 = 1796605200;
  const auto track = tb::test::moving_track(t0, n + 20, 50.0, 8.0, 1.0);
  std::vector<double> ms;
  for (int i = 0; i < n + 20; ++i) {
    const auto w = std::chrono::steady_clock::now();
    d.write(tb::test::nmea_sentences(track[i]));
    const auto guard = w + 10s;
    bool seen = false;
    while (std::chrono::steady_clock::now() < guard) {
      auto r = gps->latest();
      if (r && std::chrono::system_clock::to_time_t(r->fix_time_utc) >= track[i].t) {
        seen = true;
        break;
      }
      std::this_thread::sleep_for(50us);
    }
    const double lat =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - w).count();
    if (i >= 20 && seen) ms.push_back(lat);  // the first epochs: connect + gpsd learning the cycle
  }
  gps->stop();
  d.kill_daemon();
  std::filesystem::remove_all(dir);
  if (ms.empty()) return std::printf("no epoch seen\n"), 1;
  std::sort(ms.begin(), ms.end());
  std::printf(
      "gpsd fix-to-latest(): %zu of %d epochs seen within 10 s; p50 %.2f ms p99 %.2f ms max %.2f "
      "ms\n",
      ms.size(), n, ms[ms.size() / 2], ms[static_cast<size_t>(0.99 * (ms.size() - 1))], ms.back());
  return 0;
}
