#include <fmt/format.h>

#include "commands.hpp"
#include "tetherbox/delivery/copy.hpp"

namespace tb::cli {

// Exit codes: 0 copied and verified (and recorded), 1 refused or failed (a partial copy is
// kept in DIR/.<bag>.copy-partial; run again to resume).
int cmd_copy(const std::string& bag, const std::string& dir) {
  auto r = delivery::copy_bag(bag, dir);
  if (!r) {
    fmt::print(stderr, "error: copy: {}\n", r.error().message);
    return 1;
  }
  if (r->already_there)
    fmt::print("already copied and verified; recorded\n");
  else
    fmt::print("copied and verified: {} files written, {} already there ({:.1f} MB written)\n",
               r->files_written, r->files_kept, static_cast<double>(r->bytes_written) / 1e6);
  fmt::print("{}\n", r->dest.string());
  return 0;
}

}  // namespace tb::cli
