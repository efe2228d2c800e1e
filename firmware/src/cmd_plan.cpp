#include <fmt/format.h>

#include "commands.hpp"
#include "tetherbox/capture/plan.hpp"
#include "tetherbox/config/load.hpp"

namespace tb::cli {

int cmd_plan(const std::string& config) {
  auto cfg = config::load_file(config);
  if (!cfg) {
    fmt::print(stderr, "error: {}\n", cfg.error().message);
    return 2;
  }
  auto plan = capture::make_plan(*cfg);
  if (!plan) {
    fmt::print(stderr, "error: {}\n", plan.error().message);
    return 2;
  }
  fmt::print("{}", capture::describe_plan(*plan, *cfg));
  return 0;
}

}  // namespace tb::cli
