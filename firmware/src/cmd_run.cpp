#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <csignal>
#include <exception>
#include <mutex>

#include "commands.hpp"
#include "tetherbox/capture/preflight.hpp"
#include "tetherbox/capture/runner.hpp"
#include "tetherbox/common/console.hpp"
#include "tetherbox/config/load.hpp"
#include "tetherbox/firmware/backends.hpp"
#include "tetherbox/firmware/wiring.hpp"

namespace tb::cli {
namespace {

std::atomic<bool> g_stop{false};

extern "C" void on_signal(int) {
  g_stop.store(true);
}

// SIGINT (Ctrl-C), SIGTERM (systemd, kill) and SIGHUP (the SSH session dropped) all stop the
// run the same way: the frame in flight is finished, the bag is closed, its path printed.
void install_stop_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaction(sig, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

std::string eta_text(double s) {
  if (s <= 0) return "-";
  int t = static_cast<int>(s + 0.5);
  return t >= 3600 ? fmt::format("{}h{:02}m", t / 3600, t / 60 % 60)
                   : fmt::format("{}m{:02}s", t / 60, t % 60);
}

int report(const RunArgs& a, const capture::RunSummary& sum) {
  console::end_status();
  if (sum.buttons)
    console::err(
        fmt::format("{} frames, {} brackets in the bag ({} taken now, {} faults recorded)"
                    "{}{}\n",
                    sum.done, sum.brackets, sum.taken_now, sum.faults,
                    sum.ended_by.empty() ? "" : "; ended by " + sum.ended_by,
                    sum.complete ? "" : " — incomplete"));
  else
    console::err(fmt::format("{} of {} frames in the bag ({} taken now, {} faults recorded){}\n",
                             sum.done, sum.planned ? fmt::format("{}", sum.planned) : "?",
                             sum.taken_now, sum.faults, sum.complete ? "" : " — incomplete"));
  if (sum.stopped_by) console::err(fmt::format("stopped: {}\n", sum.stopped_by->message));
  if (sum.not_finalized)
    console::err(
        fmt::format("bag not finalized: {}; resume to finalize\n", sum.not_finalized->message));
  if (sum.stopped_by || sum.not_finalized || !sum.complete)
    console::err(
        fmt::format("resume with: tetherbox run {} --resume {}\n", a.config, sum.bag.string()));
  // The bag's path is the last stdout line whatever happened: scripts find the bag there.
  console::out(sum.bag.string() + "\n");
  return sum.complete && !sum.not_finalized ? 0 : 3;
}

int run(const RunArgs& a) {
  // The same load as `tetherbox plan`: backends this build can make, and the preflight
  // (names, caps, releases, rig) placed at the key's file:line:col. Run refuses what plan refuses.
  const auto& built = firmware::backend_table();
  capture::Preflight pf;
  config::LoadOptions lo;
  lo.built = &built;
  lo.more_checks = [&](const config::Config& c) {
    return capture::preflight_issues(c, &built, &pf);
  };
  auto cfg = config::load_file(a.config, lo);
  if (!cfg) {
    console::err(fmt::format("error: {}\n", cfg.error().message));
    return 2;
  }
  auto dev = firmware::make_devices(*cfg);
  if (!dev) {
    console::err(fmt::format("error: {}\n", dev.error().message));
    return 2;
  }
  install_stop_signals();

  const bool tty = console::stderr_is_tty();
  std::mutex print_mu;
  size_t last_printed = 0;
  capture::RunOptions opts;
  opts.out_root = a.out;
  if (!a.resume.empty()) opts.resume = a.resume;
  opts.rehash = a.rehash;
  opts.preflight = &pf;
  opts.stop = &g_stop;
  if (!a.quiet)
    opts.on_progress = [&](const capture::Progress& p) {
      std::lock_guard lk(print_mu);
      std::string total = p.total ? fmt::format("{}", p.total) : "?";
      std::string line = fmt::format("frames {}/{}  {:.2f} fr/s  ETA {}  {}", p.done, total,
                                     p.frames_per_s, eta_text(p.eta_s), p.last_name);
      if (!p.quality.empty()) line += "  [" + p.quality + "]";
      if (tty) {
        console::status(line);
        return;
      }
      // In a log: a line every 10 frames and the last one. A closed stderr (EPIPE) ends the
      // printing, never the capture.
      if (p.done % 10 != 0 && p.done != p.total && p.done - last_printed < 10) return;
      last_printed = p.done;
      console::err(line + "\n");
    };

  auto sum = capture::run_session(*cfg, *dev, opts);
  console::end_status();
  if (!sum) {
    console::err(fmt::format("error: {}\n", sum.error().message));
    return 1;
  }
  return report(a, *sum);
}

}  // namespace

int cmd_run(const RunArgs& a) {
  try {
    return run(a);
  } catch (const std::exception& e) {
    console::end_status();
    console::err(fmt::format("error: internal: {}\n", e.what()));
    return 1;
  }
}

}  // namespace tb::cli
