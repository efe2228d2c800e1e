#include <fmt/format.h>

#include "commands.hpp"
#include "tetherbox/delivery/export.hpp"

namespace tb::cli {

// Exit codes: 0 exported, 1 refused or failed (nothing left at --to; the source untouched).
int cmd_export(const ExportArgs& a) {
  delivery::ExportOptions opt;
  opt.to = a.to;
  opt.strip_gps = a.strip_gps;
  opt.embed_metadata = a.embed_metadata;
  opt.jpeg_only = a.jpeg_only;
  opt.previews = a.previews;
  auto r = delivery::export_bag(a.bag, opt);
  if (!r) {
    fmt::print(stderr, "error: export: {}\n", r.error().message);
    return 1;
  }
  for (const auto& l : r->left_out) fmt::print("left out: {}\n", l);
  fmt::print("exported {} files ({:.1f} MB, {} images rewritten) to\n{}\n", r->files,
             static_cast<double>(r->bytes) / 1e6, r->images_rewritten, r->dir.string());
  return 0;
}

}  // namespace tb::cli
