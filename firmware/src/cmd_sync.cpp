#include <fmt/format.h>

#include "commands.hpp"
#include "tetherbox/delivery/sync.hpp"

namespace tb::cli {

// Exit codes: 0 sent, verified on the remote and recorded; 1 refused or failed (not recorded;
// run again to resume: only what is missing or differs is sent).
int cmd_sync(const SyncArgs& a) {
  delivery::SyncOptions opt;
  opt.remote = a.remote;
  opt.bwlimit = a.bwlimit;
  opt.previews = a.previews;
  opt.select = a.select;
  auto r = delivery::sync_bag(a.bag, opt);
  if (!r) {
    fmt::print(stderr, "error: {}\n", r.error().message);
    return 1;
  }
  fmt::print("synced and verified: {} of {} payload files{}\n{}\n", r->files, r->total,
             r->partial ? " (partial)" : "", r->place);
  return 0;
}

}  // namespace tb::cli
