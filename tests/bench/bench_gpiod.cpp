// GPIO edge -> button event latency through the gpiod backend's logic (debounce, press
// detection, timestamp mapping) on an in-memory line source fed by another thread, as the
// kernel feeds poll(); against a bare queue hand-off between the same two threads, same
// handshake, same run. 1000 events each; p50/p99 as counters; ends with
// "ratio gpio_event_vs_queue_handoff (p50): x.xx". Debounce is 0 here: a configured debounce
// adds exactly that time by design (a press counts once the line held for it).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <semaphore>
#include <thread>

#include "tetherbox/hal/gpiod/gpiod_devices.hpp"

namespace {

using namespace tb;
using namespace tb::hal::gpiod_backend;
using Clock = std::chrono::steady_clock;

constexpr int kEvents = 1000;

// A thread-safe queue of edges: the "kernel" side is push(), the backend side wait_edges().
class EdgeQueue {
 public:
  void push(RawEdge e) {
    {
      std::lock_guard lock(mu_);
      q_.push_back(e);
    }
    cv_.notify_one();
  }
  std::vector<RawEdge> wait(std::chrono::nanoseconds timeout) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return !q_.empty(); });
    std::vector<RawEdge> out(q_.begin(), q_.end());
    q_.clear();
    return out;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<RawEdge> q_;
};

class QueueInputs final : public InputLines {
 public:
  explicit QueueInputs(std::shared_ptr<EdgeQueue> q) : q_(std::move(q)) {}
  Result<EdgeBatch> wait_edges(std::chrono::nanoseconds timeout) override {
    EdgeBatch b;
    b.edges = q_->wait(timeout);
    return b;
  }
  Result<std::vector<bool>> read_levels() override { return std::vector<bool>{true}; }

 private:
  std::shared_ptr<EdgeQueue> q_;
};

class QueueSource final : public LineSource {
 public:
  explicit QueueSource(std::shared_ptr<EdgeQueue> q) : q_(std::move(q)) {}
  Result<std::vector<ChipInfo>> list_chips() override {
    return std::vector<ChipInfo>{
        {"/dev/gpiochip4", "gpiochip4", "pinctrl-rp1", std::vector<std::string>(54), {}}};
  }
  Result<ChipInfo> probe_chip(const std::string&) override { return list_chips()->front(); }
  Result<std::unique_ptr<InputLines>> request_inputs(const std::vector<LineAddress>&,
                                                     const std::string&) override {
    return std::unique_ptr<InputLines>(std::make_unique<QueueInputs>(q_));
  }
  Result<std::unique_ptr<OutputLines>> request_outputs(const std::vector<LineAddress>&,
                                                       const std::vector<bool>&,
                                                       const std::string&) override {
    return Error{Errc::unsupported, "bench: no outputs"};
  }

 private:
  std::shared_ptr<EdgeQueue> q_;
};

struct Figures {
  double p50_us = 0, p99_us = 0;
};
Figures g_figures[2];  // 0: gpio event, 1: queue hand-off

// The "kernel" thread: each time the consumer says it is ready, stamps and pushes one press
// (after the previous press's release).
template <typename Push>
void run_producer(std::binary_semaphore& ready, std::atomic<int64_t>& t0_ns, Push push) {
  for (int i = 0; i < kEvents; ++i) {
    ready.acquire();
    if (i > 0) push(RawEdge{0, true, Clock::now()});  // release of the previous press
    const auto t0 = Clock::now();
    t0_ns.store(t0.time_since_epoch().count());
    push(RawEdge{0, false, t0});  // press (active-low)
  }
}

void record(benchmark::State& state, std::vector<double>& lat_us, Figures& f) {
  std::sort(lat_us.begin(), lat_us.end());
  f.p50_us = lat_us[lat_us.size() / 2];
  f.p99_us = lat_us[lat_us.size() * 99 / 100];
  state.counters["p50_us"] = f.p50_us;
  state.counters["p99_us"] = f.p99_us;
}

void BM_GpioEventToButtonEvent(benchmark::State& state) {
  auto q = std::make_shared<EdgeQueue>();
  ButtonSpec spec;
  spec.name = "shutter";
  spec.line = {"pinctrl-rp1", 17, {}};
  spec.debounce = std::chrono::milliseconds(0);
  auto buttons = open_buttons({spec}, {}, std::make_shared<QueueSource>(q),
                              std::make_shared<tb::hal::SystemClock>());
  if (!buttons) {
    state.SkipWithError(buttons.error().message.c_str());
    return;
  }
  std::binary_semaphore ready(0);
  std::atomic<int64_t> t0_ns{0};
  std::thread producer([&] { run_producer(ready, t0_ns, [&](RawEdge e) { q->push(e); }); });
  std::vector<double> lat_us;
  for (auto _ : state) {
    ready.release();
    auto ev = (*buttons)->wait_press(std::chrono::seconds(5));
    const auto t1 = Clock::now().time_since_epoch().count();
    if (!ev) {
      state.SkipWithError("no button event within 5 s");
      break;
    }
    const double s = static_cast<double>(t1 - t0_ns.load()) * 1e-9;
    state.SetIterationTime(s);
    lat_us.push_back(s * 1e6);
  }
  producer.join();
  if (!lat_us.empty()) record(state, lat_us, g_figures[0]);
}
BENCHMARK(BM_GpioEventToButtonEvent)->Iterations(kEvents)->UseManualTime();

void BM_QueueHandoffBaseline(benchmark::State& state) {
  EdgeQueue q;
  std::binary_semaphore ready(0);
  std::atomic<int64_t> t0_ns{0};
  std::thread producer([&] { run_producer(ready, t0_ns, [&](RawEdge e) { q.push(e); }); });
  std::vector<double> lat_us;
  for (auto _ : state) {
    ready.release();
    bool got = false;
    while (!got) {  // the release of the previous press comes first; wait for the press
      for (const auto& e : q.wait(std::chrono::seconds(5))) got = got || !e.rising;
    }
    const auto t1 = Clock::now().time_since_epoch().count();
    const double s = static_cast<double>(t1 - t0_ns.load()) * 1e-9;
    state.SetIterationTime(s);
    lat_us.push_back(s * 1e6);
  }
  producer.join();
  record(state, lat_us, g_figures[1]);
}
BENCHMARK(BM_QueueHandoffBaseline)->Iterations(kEvents)->UseManualTime();

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  const Figures& g = g_figures[0];
  const Figures& b = g_figures[1];
  if (g.p50_us > 0 && b.p50_us > 0) {
    std::printf("gpio event -> button event: p50 %.1f us, p99 %.1f us (%d events)\n", g.p50_us,
                g.p99_us, kEvents);
    std::printf("bare queue hand-off:        p50 %.1f us, p99 %.1f us\n", b.p50_us, b.p99_us);
    std::printf("ratio gpio_event_vs_queue_handoff (p50): %.2f\n", g.p50_us / b.p50_us);
    std::printf("ratio gpio_event_vs_queue_handoff (p99): %.2f\n", g.p99_us / b.p99_us);
  } else {
    std::printf(
        "ratio gpio_event_vs_queue_handoff: unavailable (a benchmark failed or was filtered)\n");
  }
  return 0;
}
