#include <fmt/format.h>

#include "commands.hpp"
#include "delivery_config.hpp"
#include "tetherbox/delivery/sync.hpp"

namespace tb::cli {

// Exit codes: 0 sent, verified on every remote and recorded; 1 refused or failed on at least
// one remote (that one not recorded; run again to resume: only what is missing or differs is
// sent); 2 no remote given and none configured, or a bad config.
int cmd_sync(const SyncArgs& a) {
  std::vector<std::string> remotes;
  std::string bwlimit = a.bwlimit;
  if (!a.remote.empty()) {
    remotes.push_back(a.remote);
  } else {
    auto cfg = delivery_config(a.config);
    if (!cfg) {
      fmt::print(stderr, "error: {}\n", cfg.error().message);
      return 2;
    }
    if (!*cfg || (*cfg)->sync.remotes.empty()) {
      fmt::print(stderr,
                 "error: sync: no REMOTE given and {} lists no sync.remotes; give a remote "
                 "(name:path) or list them in the config\n",
                 *cfg ? (*cfg)->source_path : std::string(kBoxConfig) + " (absent)");
      return 2;
    }
    remotes = (*cfg)->sync.remotes;
    if (bwlimit.empty()) bwlimit = (*cfg)->sync.bwlimit;
  }
  int rc = 0;
  for (const auto& remote : remotes) {
    delivery::SyncOptions opt;
    opt.remote = remote;
    opt.bwlimit = bwlimit;
    opt.previews = a.previews;
    opt.select = a.select;
    auto r = delivery::sync_bag(a.bag, opt);
    if (!r) {
      fmt::print(stderr, "error: {}\n", r.error().message);
      rc = 1;
      continue;  // the other remotes still get their copy
    }
    fmt::print("synced and verified: {} of {} payload files{}\n{}\n", r->files, r->total,
               r->partial ? " (partial)" : "", r->place);
  }
  return rc;
}

}  // namespace tb::cli
