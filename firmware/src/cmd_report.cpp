#include <fmt/format.h>

#include "commands.hpp"
#include "tetherbox/capture/report.hpp"

namespace tb::cli {

// Exit codes: 0 rebuilt, 1 refused or failed (the bag is unchanged).
int cmd_report(const std::string& bag) {
  auto r = capture::rebuild_report(bag);
  if (!r) {
    fmt::print(stderr, "error: report: {}\n", r.error().message);
    return 1;
  }
  fmt::print("{} frames, {} faults: report rebuilt\n{}/data/report.html\n",
             r->value("frames", size_t{0}), r->value("faults", nlohmann::json::array()).size(),
             bag);
  return 0;
}

}  // namespace tb::cli
