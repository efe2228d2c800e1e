#include <fmt/format.h>

#include "commands.hpp"
#include "tetherbox/delivery/rename.hpp"

namespace tb::cli {

namespace {

std::string shown(const std::filesystem::path& p) {
  return delivery::encode_name(p.filename().string());
}

}  // namespace

// Exit codes: 0 done (files without a date are left alone and listed), 1 refused or failed
// (nothing renamed, or every file put back), 2 usage.
int cmd_rename(const RenameArgs& a) {
  if (!a.undo.empty()) {
    if (!a.dir.empty() || !a.tmpl.empty()) {
      fmt::print(stderr, "error: rename --undo LOG takes no folder and no --template\n");
      return 2;
    }
    auto r = delivery::undo_rename(a.undo);
    if (!r) {
      fmt::print(stderr, "error: {}\n", r.error().message);
      return 1;
    }
    fmt::print("put back {} files under their old names\n", *r);
    return 0;
  }
  if (a.dir.empty() || a.tmpl.empty()) {
    fmt::print(stderr, "error: rename needs a folder and --template (or --undo LOG)\n");
    return 2;
  }
  delivery::RenameOptions opt;
  opt.template_text = a.tmpl;
  opt.session = a.session;
  opt.to = a.to;
  opt.log = a.log;
  opt.dry_run = a.dry_run;
  auto r = delivery::rename_images(a.dir, opt);
  if (!r) {
    fmt::print(stderr, "error: {}\n", r.error().message);
    return 1;
  }
  for (const auto& s : r->plan.shots)
    for (const auto& m : s.moves)
      fmt::print("{}{} -> {}  [{}]\n", a.dry_run ? "would rename " : "", shown(m.from), shown(m.to),
                 s.time_source);
  for (const auto& s : r->plan.skipped)
    fmt::print(stderr, "left alone: {}: {}\n", shown(s.file), s.reason);
  if (a.dry_run) {
    fmt::print("dry run: {} files in {} shots would be renamed, {} left alone\n", r->plan.files(),
               r->plan.shots.size(), r->plan.skipped.size());
    return 0;
  }
  fmt::print(
      "renamed {} files in {} shots, {} left alone; undo with: tetherbox rename --undo {}\n",
      r->renamed, r->plan.shots.size(), r->plan.skipped.size(),
      r->log.empty() ? std::string("(nothing to undo)") : delivery::encode_name(r->log.string()));
  if (!r->log.empty()) fmt::print("{}\n", delivery::encode_name(r->log.string()));
  return 0;
}

}  // namespace tb::cli
