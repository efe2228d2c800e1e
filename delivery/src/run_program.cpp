#include "run_program.hpp"

#include "sync_spawn.hpp"

namespace tb::delivery {

// Runs a program (no shell: names and remotes are never interpreted), capturing its output:
// Spawned started and waited for, so the child is prepared before fork() as sync's are.
Result<Run> run_program(const std::vector<std::string>& argv, const std::filesystem::path& tmp) {
  auto child = Spawned::start(argv, tmp, "rclone");
  if (!child) return child.error();
  return child->wait();
}

}  // namespace tb::delivery
