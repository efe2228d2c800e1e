#pragma once
// The session runner: move, settle, switch lights, trigger, download, bind the files to the
// request and position, hand them to the pipeline. Resumes a crashed session from its journal.
#include <atomic>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

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
};

struct RunOptions {
  std::filesystem::path out_root;               // overrides storage.root when not empty
  std::optional<std::filesystem::path> resume;  // existing bag to continue
  std::function<void(const Progress&)> on_progress;
  const std::atomic<bool>* stop = nullptr;      // set by SIGINT/SIGTERM: stop after this frame
};

struct RunSummary {
  std::filesystem::path bag;
  size_t planned = 0;
  size_t done = 0;          // frames durable in the bag (including earlier runs on resume)
  size_t taken_now = 0;     // frames taken by this run
  size_t faults = 0;
  bool complete = false;    // every planned frame is in the bag
  std::optional<Error> stopped_by;  // why it stopped early (no_space, disconnected, user)
};

// Returns an error only when no bag could be made or resumed; a session that stopped early
// returns a summary with stopped_by set (the bag is still valid and verifies).
Result<RunSummary> run_session(const config::Config& cfg, hal::Devices& dev,
                               const RunOptions& opts);

}  // namespace tb::capture
