#include <fmt/format.h>

#include "commands.hpp"
#include "delivery_config.hpp"
#include "tetherbox/delivery/prune.hpp"

namespace tb::cli {

// Exit codes: 0 done (some bags may be kept: each line says why), 1 error, 2 bad config.
int cmd_prune(const std::string& root, int copies, bool dry_run, const std::string& config) {
  if (copies == 0) {
    auto cfg = delivery_config(config);
    if (!cfg) {
      fmt::print(stderr, "error: {}\n", cfg.error().message);
      return 2;
    }
    copies = *cfg ? (*cfg)->delivery.copies_required : config::Delivery{}.copies_required;
    fmt::print("copies required: {} ({})\n", copies,
               *cfg ? "delivery.copies_required of " + (*cfg)->source_path
                    : std::string("default; no ") + kBoxConfig);
  }
  auto r = delivery::prune_bags(root, copies, dry_run);
  if (!r) {
    fmt::print(stderr, "error: prune: {}\n", r.error().message);
    return 1;
  }
  uint64_t freed = 0;
  for (const auto& d : *r) {
    if (d.prune) freed += d.bytes;
    fmt::print("{}: {}: {}\n", d.prune ? (dry_run ? "would remove" : "removed") : "kept",
               d.bag.filename().string(), d.why);
  }
  fmt::print("{} {:.1f} MB\n", dry_run ? "would free" : "freed", static_cast<double>(freed) / 1e6);
  return 0;
}

}  // namespace tb::cli
