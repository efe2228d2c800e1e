#include <fmt/format.h>

#include "commands.hpp"
#include "tetherbox/delivery/release.hpp"

namespace tb::cli {

// Exit codes: 0 stored, 1 refused (the bag unchanged).
int cmd_release_add(const ReleaseArgs& a) {
  auto r = delivery::add_release(a.bag, {a.file, a.kind, a.subject, a.frames});
  if (!r) {
    fmt::print(stderr, "error: release: {}\n", r.error().message);
    return 1;
  }
  fmt::print("{} release of {} ({}, sha256 {}) covers {} frames\n{}\n", r->kind, r->subject,
             r->type, r->sha256, r->frames.size(), r->path);
  return 0;
}

int cmd_release_list(const std::string& bag) {
  auto r = delivery::list_releases(bag);
  if (!r) {
    fmt::print(stderr, "error: release list: {}\n", r.error().message);
    return 1;
  }
  for (const auto& e : *r)
    fmt::print("{}\t{}\t{}\t{}\t{} frames\t{}\n", e.path, e.kind, e.subject, e.type,
               e.frames.size(), e.utc);
  return 0;
}

}  // namespace tb::cli
