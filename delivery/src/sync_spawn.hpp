#pragma once
// rclone started without waiting for it, so sync can hash the bag while the upload runs, and
// run two rclone calls at once. Private to delivery/src.
#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include "run_program.hpp"
#include "tetherbox/common/result.hpp"

namespace tb::delivery {

class Spawned {
 public:
  // Starts argv[0] (PATH searched, no shell); its output goes to <tmp>/<name>.out and .err.
  // Everything the child needs is prepared before fork(): the caller may have other threads.
  static Result<Spawned> start(const std::vector<std::string>& argv,
                               const std::filesystem::path& tmp, const std::string& name);
  Spawned(Spawned&& o) noexcept;
  Spawned& operator=(Spawned&&) = delete;
  Spawned(const Spawned&) = delete;
  Spawned& operator=(const Spawned&) = delete;
  // A child still running when this is dropped is stopped (SIGTERM) and reaped.
  ~Spawned();

  // Waits for the exit; Errc::not_found when the program is not installed.
  Result<Run> wait();
  // SIGTERM and reap: used when the bag failed verification while the upload ran.
  void stop();

 private:
  Spawned() = default;
  pid_t pid_ = -1;
  std::string program_;
  std::filesystem::path out_, err_;
};

}  // namespace tb::delivery
