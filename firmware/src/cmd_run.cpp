#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <mutex>

#include "commands.hpp"
#include "tetherbox/capture/runner.hpp"
#include "tetherbox/config/load.hpp"
#include "tetherbox/firmware/wiring.hpp"

namespace tb::cli {
namespace {

std::atomic<bool> g_stop{false};

extern "C" void on_signal(int) { g_stop.store(true); }

std::string eta_text(double s) {
  if (s <= 0) return "-";
  int t = static_cast<int>(s + 0.5);
  return t >= 3600 ? fmt::format("{}h{:02}m", t / 3600, t / 60 % 60)
                   : fmt::format("{}m{:02}s", t / 60, t % 60);
}

}  // namespace

int cmd_run(const RunArgs& a) {
  auto cfg = config::load_file(a.config);
  if (!cfg) {
    fmt::print(stderr, "error: {}\n", cfg.error().message);
    return 2;
  }
  auto dev = firmware::make_devices(*cfg);
  if (!dev) {
    fmt::print(stderr, "error: {}\n", dev.error().message);
    return 2;
  }
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  const bool tty = isatty(STDERR_FILENO) != 0;
  std::mutex print_mu;
  size_t last_printed = 0;
  capture::RunOptions opts;
  opts.out_root = a.out;
  if (!a.resume.empty()) opts.resume = a.resume;
  opts.stop = &g_stop;
  if (!a.quiet)
    opts.on_progress = [&](const capture::Progress& p) {
      std::lock_guard lk(print_mu);
      // On a terminal one line redrawn; in a log a line every 10 frames and the last one.
      if (!tty && p.done % 10 != 0 && p.done != p.total && p.done - last_printed < 10) return;
      last_printed = p.done;
      std::string total = p.total ? fmt::format("{}", p.total) : "?";
      fmt::print(stderr, "{}frames {}/{}  {:.2f} fr/s  ETA {}  {}{}", tty ? "\r\033[K" : "",
                 p.done, total, p.frames_per_s, eta_text(p.eta_s), p.last_name, tty ? "" : "\n");
    };

  auto sum = capture::run_session(*cfg, *dev, opts);
  if (tty && !a.quiet) fmt::print(stderr, "\n");
  if (!sum) {
    fmt::print(stderr, "error: {}\n", sum.error().message);
    return 1;
  }
  fmt::print(stderr, "{} of {} frames in the bag ({} taken now, {} faults recorded){}\n", sum->done,
             sum->planned ? fmt::format("{}", sum->planned) : "?", sum->taken_now, sum->faults,
             sum->complete ? "" : " — incomplete");
  if (sum->stopped_by)
    fmt::print(stderr, "stopped: {}\nresume with: tetherbox run {} --resume {}\n",
               sum->stopped_by->message, a.config, sum->bag.string());
  fmt::print("{}\n", sum->bag.string());
  return sum->complete ? 0 : 3;
}

}  // namespace tb::cli
