// On-device probe (board/rpi5/on-device-check.sh): reads the ambient sensor through the iio
// backend and, when built, the GPS through the gpsd backend, and prints one line each:
//   ambient id=iio:device0/bme280 t=21.53 rh=40.12 p=1002.31
//   gps mode=3 lat=... lon=... alt=... hdop=... sats=...
// Exit 1 when a source gives nothing within the wait (the reason is printed).
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "tetherbox/hal/iio/iio_ambient.hpp"
#ifdef TB_HAVE_GPSD
#include "tetherbox/hal/gpsd/gpsd_gps.hpp"
#endif

using namespace std::chrono_literals;

int main(int argc, char** argv) {
  const std::string name = argc > 1 ? argv[1] : "bme280";
  const std::string root = argc > 2 ? argv[2] : "/sys";
  auto clock = std::make_shared<tb::hal::SystemClock>();
  int rc = 0;
  tb::hal::iio_backend::Options o;
  o.sysfs_root = root;
  o.device_name = name;
  o.period = 200ms;
  auto amb = tb::hal::iio_backend::make_ambient(o, clock);
  amb->start();
  for (int i = 0; i < 100 && !amb->latest(); ++i) std::this_thread::sleep_for(100ms);
  if (auto r = amb->latest()) {
    std::printf("ambient id=%s t=%.2f rh=%.2f p=%.2f\n", r->sensor_id.c_str(),
                r->temperature_c.value_or(-999), r->humidity_pct.value_or(-999),
                r->pressure_hpa.value_or(-999));
  } else {
    std::printf("ambient none: %s\n", amb->last_error().c_str());
    rc = 1;
  }
#ifdef TB_HAVE_GPSD
  tb::hal::gpsd_backend::Options g;
  if (argc > 3) g.host = argv[3];
  if (argc > 4) g.port = std::stoi(argv[4]);
  auto gps = tb::hal::gpsd_backend::make_gps(g, clock);
  gps->start();
  for (int i = 0; i < 300 && !(gps->latest() && gps->latest()->has_fix()); ++i)
    std::this_thread::sleep_for(100ms);
  if (auto r = gps->latest(); r && r->has_fix()) {
    std::printf("gps mode=%d lat=%.7f lon=%.7f alt=%.2f hdop=%.2f sats=%d\n",
                static_cast<int>(r->mode), r->lat_deg, r->lon_deg, r->alt_msl_m.value_or(-9999),
                r->hdop.value_or(-1), r->satellites_used.value_or(-1));
  } else {
    std::printf("gps none: %s\n", gps->status().c_str());
    rc = 1;
  }
#endif
  return rc;
}
