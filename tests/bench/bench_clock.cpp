// What the per-frame clock sync state costs: one adjtimex(2) read, and SystemClock::sync_state()
// (adjtimex + the cached chrony answer + the detail text), against a steady_clock read, in the
// same run. Ends with "ratio adjtimex_vs_steady_clock: x.xx" and
// "ratio sync_state_vs_steady_clock: x.xx".
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <string>

#include "tetherbox/hal/clock.hpp"
#include "tetherbox/hal/clock_sync.hpp"

namespace {

void BM_SteadyClockNow(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(std::chrono::steady_clock::now());
}
BENCHMARK(BM_SteadyClockNow);

void BM_Adjtimex(benchmark::State& state) {
  for (auto _ : state) {
    auto t = tb::hal::read_timex();
    if (!t) state.SkipWithError(t.error().message.c_str());
    benchmark::DoNotOptimize(t);
  }
}
BENCHMARK(BM_Adjtimex);

void BM_SystemClockSyncState(benchmark::State& state) {
  tb::hal::SystemClock clock;
  benchmark::DoNotOptimize(clock.sync_state());  // starts the chronyc thread outside the loop
  for (auto _ : state) benchmark::DoNotOptimize(clock.sync_state());
}
BENCHMARK(BM_SystemClockSyncState);

// Keeps each benchmark's time per iteration for the ratios.
class Recorder : public benchmark::ConsoleReporter {
 public:
  std::map<std::string, double> ns;
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& r : runs)
      if (r.run_type == Run::RT_Iteration && r.iterations > 0)
        ns[r.benchmark_name()] = r.GetAdjustedRealTime();
    ConsoleReporter::ReportRuns(runs);
  }
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  Recorder rec;
  benchmark::RunSpecifiedBenchmarks(&rec);
  const double base = rec.ns["BM_SteadyClockNow"];
  if (base > 0) {
    if (rec.ns.count("BM_Adjtimex"))
      std::printf("ratio adjtimex_vs_steady_clock: %.2f\n", rec.ns["BM_Adjtimex"] / base);
    if (rec.ns.count("BM_SystemClockSyncState"))
      std::printf("ratio sync_state_vs_steady_clock: %.2f\n",
                  rec.ns["BM_SystemClockSyncState"] / base);
  }
  benchmark::Shutdown();
  return 0;
}
