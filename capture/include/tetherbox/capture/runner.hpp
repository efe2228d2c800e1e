#pragma once
// The session runner: move, settle, switch lights, trigger, download, bind the files to the
// request and position, hand them to the pipeline. Resumes a crashed session from its journal,
// running the bag's own plan (resume_config.hpp) or refusing.
#include <atomic>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "tetherbox/capture/preflight.hpp"
#include "tetherbox/capture/retry_policy.hpp"
#include "tetherbox/common/result.hpp"
#include "tetherbox/config/config.hpp"
#include "tetherbox/hal/board.hpp"

namespace tb::capture {

struct Progress {
  size_t done = 0;
  size_t total = 0;
  double frames_per_s = 0;
  double eta_s = 0;
  std::string last_name;
  std::string quality;  // the quality checks' words so far ("optics changed on 2"), or empty
};

struct RunOptions {
  std::filesystem::path out_root;               // overrides storage.root when not empty
  std::optional<std::filesystem::path> resume;  // existing bag to continue
  // Resume: re-hash every journaled file against its SHA-256, not only its presence and size
  // (a changed file is quarantined and its frame retaken, as a missing one is).
  bool rehash = false;
  std::function<void(const Progress&)> on_progress;
  // Set by SIGINT/SIGTERM/SIGHUP: the frame in flight (buttons mode: the bracket) is finished,
  // then the bag is closed.
  const std::atomic<bool>* stop = nullptr;
  RetryLimits retry;  // per-shot budget for a busy or lost camera
  // The preflight the caller already ran on this config (cmd_run does, to place its errors at
  // file:line:col); null: the runner runs it.
  const Preflight* preflight = nullptr;
  // Control hooks for tetherboxd. While *pause is set, no new shot (buttons: no new press) is
  // started; the frame in flight finishes. on_event sees what the journal records as a fault
  // or a stop ("fault" / "stopped", message), from the capture or pipeline thread.
  const std::atomic<bool>* pause = nullptr;
  std::function<void(const std::string& type, const std::string& message)> on_event;
};

struct RunSummary {
  std::filesystem::path bag;
  size_t planned = 0;    // 0 in buttons mode without max_brackets
  size_t done = 0;       // frames durable in the bag (including earlier runs on resume)
  size_t taken_now = 0;  // frames taken by this run
  size_t faults = 0;
  bool buttons = false;  // buttons mode: brackets counts the complete brackets
  size_t brackets = 0;
  bool complete = false;  // every planned frame (buttons: every press's bracket) is in the bag
  std::optional<Error> stopped_by;  // why it stopped early (no_space, disconnected, busy, user)
  std::string ended_by;             // buttons mode: "abort button", "stop requested" (a normal end)
  // The bag could not be closed (report, bag-info): it holds every durable frame and a
  // --resume finalizes it.
  std::optional<Error> not_finalized;
};

// Returns an error only when no bag could be made or resumed (nothing was written, or the bag
// was left marked "not started"); a session that stopped early returns a summary with
// stopped_by set (the bag is still valid and verifies). Never throws.
Result<RunSummary> run_session(const config::Config& cfg, hal::Devices& dev,
                               const RunOptions& opts);

}  // namespace tb::capture
