// The per-frame quality checks on a 24 MP frame (6000 x 4000): the preview with its histogram
// from the camera JPEG, RAW clipping per channel and the sharpness of the RAW's green plane, as
// the quality stage runs them. scripts/bench compares it with the shell way on the same files
// (djpeg -scale 1/8 + a Python histogram and Laplacian variance): ratio quality_vs_shell.
// TB_BENCH_DIR: where the frame's DNG and JPEG are written for that baseline. BM_Step_* time
// the preview, the RAW read with its clipping count, and that read with the sharpness measure
// fed from it (the breakdown).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "tetherbox/capture/preview.hpp"
#include "tetherbox/capture/quality_raw.hpp"
#include "tetherbox/capture/quality_sharpness.hpp"
#include "tetherbox/hal/dng/dng.hpp"

namespace {

constexpr int kW = 6000, kH = 4000;

struct Frame {
  std::vector<uint8_t> dng, jpeg;
};

// A scene with edges and texture (a flat frame would make the Laplacian trivial).
const Frame& frame() {
  static const Frame f = [] {
    Frame out;
    tb::hal::dng::BayerImage b;
    b.width = kW;
    b.height = kH;
    b.cfa = "RGGB";
    b.black_level = 512;
    b.white_level = 65535;
    b.pixels.resize(static_cast<size_t>(kW) * kH);
    std::vector<uint8_t> rgb(static_cast<size_t>(kW) * kH * 3);
    uint32_t noise = 12345;
    for (int y = 0; y < kH; ++y)
      for (int x = 0; x < kW; ++x) {
        noise = noise * 1664525u + 1013904223u;
        const int v = ((x / 97 + y / 61) % 2) * 30000 + ((x * x + y * 7) % 4000) +
                      static_cast<int>(noise >> 22);
        const size_t i = static_cast<size_t>(y) * kW + x;
        b.pixels[i] = static_cast<uint16_t>(512 + v);
        for (int c = 0; c < 3; ++c) rgb[i * 3 + c] = static_cast<uint8_t>((v >> 8) + c * 20);
      }
    auto dng = tb::hal::dng::encode_dng(b, tb::hal::dng::DngMeta{});
    auto jpeg = tb::capture::make_preview_from_rgb(rgb, kW, kH, kW, 92);
    if (!dng.ok() || !jpeg.ok()) std::abort();
    out.dng = std::move(*dng);
    out.jpeg = std::move(jpeg->jpeg);
    if (const char* dir = std::getenv("TB_BENCH_DIR")) {
      std::ofstream(std::string(dir) + "/quality.dng", std::ios::binary)
          .write(reinterpret_cast<const char*>(out.dng.data()),
                 static_cast<std::streamsize>(out.dng.size()));
      std::ofstream(std::string(dir) + "/quality.jpg", std::ios::binary)
          .write(reinterpret_cast<const char*>(out.jpeg.data()),
                 static_cast<std::streamsize>(out.jpeg.size()));
    }
    return out;
  }();
  return f;
}

void BM_QualityChecks(benchmark::State& state) {
  const Frame& f = frame();
  for (auto _ : state) {
    auto preview = tb::capture::make_preview_from_jpeg(f.jpeg, 750, 85);
    tb::capture::quality::SharpnessMeter meter;  // as quality::Monitor: one read of the RAW
    auto levels = tb::capture::quality::measure_raw(f.dng, meter);
    auto sharp = meter.result();
    if (!preview.ok() || !levels.measured || !sharp) state.SkipWithError("a check did not run");
    benchmark::DoNotOptimize(sharp);
  }
}
BENCHMARK(BM_QualityChecks)->Unit(benchmark::kMillisecond)->UseRealTime();

// The same work step by step, for the breakdown scripts/bench prints.
void BM_Step_Preview(benchmark::State& state) {
  const Frame& f = frame();
  for (auto _ : state) {
    auto preview = tb::capture::make_preview_from_jpeg(f.jpeg, 750, 85);
    if (!preview.ok()) state.SkipWithError("no preview");
    benchmark::DoNotOptimize(preview);
  }
}
BENCHMARK(BM_Step_Preview)->Unit(benchmark::kMillisecond)->UseRealTime();

// The DNG read and the clipping count alone.
void BM_Step_RawLevels(benchmark::State& state) {
  const Frame& f = frame();
  for (auto _ : state) {
    auto levels = tb::capture::quality::measure_raw(f.dng);
    if (!levels.measured) state.SkipWithError("RAW not measured");
    benchmark::DoNotOptimize(levels);
  }
}
BENCHMARK(BM_Step_RawLevels)->Unit(benchmark::kMillisecond)->UseRealTime();

// The same read with the sharpness measure fed from it: its cost over RawLevels is the
// sharpness's (both green sites, log blocks, noise, Laplacian).
void BM_Step_RawAndSharpness(benchmark::State& state) {
  const Frame& f = frame();
  for (auto _ : state) {
    tb::capture::quality::SharpnessMeter meter;
    auto levels = tb::capture::quality::measure_raw(f.dng, meter);
    auto sharp = meter.result();
    if (!levels.measured || !sharp) state.SkipWithError("sharpness not measured");
    benchmark::DoNotOptimize(sharp);
  }
}
BENCHMARK(BM_Step_RawAndSharpness)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
