#pragma once
// Runs a program (rclone) without a shell and collects its output. Private to delivery/src.
#include <filesystem>
#include <string>
#include <vector>

#include "tetherbox/common/result.hpp"

namespace tb::delivery {

struct Run {
  int status = -1;
  std::string out, err;
};

// Output goes through files in `tmp` (a private folder). Errc::not_found when the program is
// not installed; otherwise its exit status is in Run::status.
Result<Run> run_program(const std::vector<std::string>& argv, const std::filesystem::path& tmp);

}  // namespace tb::delivery
