// On-device check (not a ctest): opens the first libcamera camera, fixes exposure, captures N
// frames and writes what the backend produced, with timings. Used by board/rpi5/on-device-check.sh.
//   libcamera_device_capture <out_dir> [frames=3] [shutter_s=0.01] [iso=100] [format=raw+jpeg]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "tetherbox/hal/libcamera/libcamera_camera.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s <out_dir> [frames] [shutter_s] [iso] [format]\n", argv[0]);
    return 2;
  }
  const std::filesystem::path out = argv[1];
  const int frames = argc > 2 ? std::atoi(argv[2]) : 3;
  tb::config::Config cfg;
  cfg.camera.backend = "libcamera";
  cfg.camera.exposure.shutter_s = argc > 3 ? std::atof(argv[3]) : 0.01;
  cfg.camera.exposure.iso = argc > 4 ? std::atoi(argv[4]) : 100;
  cfg.camera.format = argc > 5 ? argv[5] : "raw+jpeg";
  std::filesystem::create_directories(out);

  using clk = std::chrono::steady_clock;
  auto ms = [](clk::time_point a, clk::time_point b) {
    return std::chrono::duration<double, std::milli>(b - a).count();
  };
  auto cam = tb::hal::libcamera_backend::make_camera(cfg);
  auto t0 = clk::now();
  auto info = cam->open();
  if (!info.ok()) {
    std::fprintf(stderr, "open: %s: %s\n", tb::errc_name(info.error().code),
                 info.error().message.c_str());
    return 1;
  }
  std::printf("camera model=%s id=%s size=%dx%d open_ms=%.1f\n", info->model.c_str(),
              info->port.c_str(), info->width, info->height, ms(t0, clk::now()));
  tb::hal::ExposureSettings e{cfg.camera.exposure.shutter_s, 8.0, cfg.camera.exposure.iso, 0};
  if (auto s = cam->set_exposure(e); !s.ok()) {
    std::fprintf(stderr, "set_exposure: %s\n", s.error().message.c_str());
    return 1;
  }
  t0 = clk::now();
  if (auto s = cam->lock_automatics(); !s.ok()) {
    std::fprintf(stderr, "lock_automatics: %s\n", s.error().message.c_str());
    return 1;
  }
  std::printf("lock_ms=%.1f\n", ms(t0, clk::now()));
  for (int i = 0; i < frames; ++i) {
    t0 = clk::now();
    auto r = cam->capture(static_cast<uint64_t>(i + 1));
    const double cap_ms = ms(t0, clk::now());
    if (!r.ok()) {
      std::fprintf(stderr, "capture %d: %s: %s\n", i + 1, tb::errc_name(r.error().code),
                   r.error().message.c_str());
      return 1;
    }
    std::printf("frame=%d capture_ms=%.1f encode_ms=%.1f reported_shutter_s=%.6f reported_iso=%d",
                i + 1, cap_ms, r->download_s * 1000, r->reported.shutter_s, r->reported.iso);
    for (const auto& f : r->files) {
      const auto p = out / ("frame_" + std::to_string(i + 1) + "." + f.extension);
      std::ofstream(p, std::ios::binary)
          .write(reinterpret_cast<const char*>(f.data.data()),
                 static_cast<std::streamsize>(f.data.size()));
      std::printf(" %s=%zu", f.extension.c_str(), f.data.size());
    }
    for (const auto& n : r->notes) std::printf(" note=\"%s\"", n.c_str());
    std::printf("\n");
  }
  cam->close();
  return 0;
}
