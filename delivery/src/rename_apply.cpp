// rename.hpp's renames and their undo, journaled through rename_log.
#include <fcntl.h>
#include <fmt/format.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

#include "rename_log.hpp"
#include "tetherbox/capture/storage.hpp"
#include "tetherbox/delivery/rename.hpp"

namespace tb::delivery {

namespace {

std::string shown(const fs::path& p) {
  return encode_name(p.string());
}

bool exists_no_follow(const fs::path& p) {
  struct stat st {};
  return ::lstat(p.c_str(), &st) == 0;
}

// rename(2) that never replaces a file. A file system without RENAME_NOREPLACE (EINVAL) gets
// a check first: the folders are ours for the run, so the window is one of our own.
Status rename_no_replace(const fs::path& from, const fs::path& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0)
    return ok_status();
  int err = errno;
  if (err == EINVAL) {
    if (exists_no_follow(to)) {
      err = EEXIST;
    } else if (::rename(from.c_str(), to.c_str()) == 0) {
      return ok_status();
    } else {
      err = errno;
    }
  }
  if (err == EXDEV)
    return make_error(Errc::io,
                      "renaming {} to {}: they are on different devices (EXDEV); rename never "
                      "copies",
                      shown(from), shown(to));
  return make_error(err == EEXIST ? Errc::invalid : Errc::io, "renaming {} to {}: {}", shown(from),
                    shown(to), std::strerror(err));
}

// One journaled rename: the intent is durable before rename(2), the done line follows it.
Status step(renamelog::Writer& w, size_t id, const fs::path& from, const fs::path& to, bool undo) {
  TB_TRY(w.line(renamelog::intent_line(id, from.string(), to.string(), undo)));
  TB_TRY(w.sync());
  TB_TRY(rename_no_replace(from, to));
  return w.line(renamelog::done_line(id));
}

Status sync_dirs(const std::set<fs::path>& dirs) {
  for (const auto& d : dirs) TB_TRY(capture::fsync_dir(d));
  return ok_status();
}

std::string stamp() {
  return fmt::format("{}.{}", format_utc_compact(std::chrono::system_clock::now()), ::getpid());
}

Result<renamelog::Writer> create_log(const RenamePlan& plan, const RenameOptions& opt) {
  if (!opt.log.empty()) return renamelog::Writer::open(opt.log, false);
  const std::string base =
      "tetherbox-rename-" + format_utc_compact(std::chrono::system_clock::now());
  for (int k = 1;; ++k) {
    const fs::path p = plan.to / (k == 1 ? base + ".jsonl" : fmt::format("{}-{}.jsonl", base, k));
    if (exists_no_follow(p) && k < 100) continue;
    return renamelog::Writer::open(p, false);
  }
}

// Moves every file of `moves` (id, from, to); through a temporary name in the target's folder
// first when a target is the current name of another file of the set (A->B, B->A).
Status move_all(renamelog::Writer& w,
                const std::vector<std::tuple<size_t, fs::path, fs::path>>& moves, bool undo,
                const char* tmp_prefix) {
  std::set<fs::path> froms, dirs;
  for (const auto& [id, from, to] : moves) {
    froms.insert(from);
    dirs.insert(from.parent_path());
    dirs.insert(to.parent_path());
  }
  bool chained = false;
  for (const auto& [id, from, to] : moves) chained = chained || froms.contains(to);
  if (!chained) {
    for (const auto& [id, from, to] : moves) TB_TRY(step(w, id, from, to, undo));
    TB_TRY(sync_dirs(dirs));
    return w.sync();
  }
  const std::string st = stamp();
  std::vector<fs::path> tmps;
  for (const auto& [id, from, to] : moves) {
    tmps.push_back(to.parent_path() / fmt::format(".{}.{}.{}", tmp_prefix, st, id));
    TB_TRY(step(w, id, from, tmps.back(), undo));
  }
  TB_TRY(sync_dirs(dirs));
  size_t k = 0;
  for (const auto& [id, from, to] : moves) TB_TRY(step(w, id, tmps[k++], to, undo));
  TB_TRY(sync_dirs(dirs));
  return w.sync();
}

}  // namespace

Result<RenameSummary> rename_images(const fs::path& dir, const RenameOptions& opt) {
  auto plan = plan_rename(dir, opt);
  if (!plan) return plan.error();
  RenameSummary sum;
  std::vector<std::tuple<size_t, fs::path, fs::path>> moves;
  for (const auto& s : plan->shots)
    for (const auto& m : s.moves)
      if (m.from != m.to) moves.emplace_back(moves.size(), m.from, m.to);
  sum.plan = std::move(*plan);
  if (opt.dry_run || moves.empty()) return sum;

  Status done = ok_status();
  {
    auto w = create_log(sum.plan, opt);
    if (!w) return w.error();
    sum.log = w->path();
    TB_TRY(w->line(renamelog::header_line(sum.plan.dir.string(), sum.plan.to.string(),
                                          opt.template_text, moves.size())));
    for (const auto& [id, from, to] : moves)
      TB_TRY(w->line(renamelog::file_line(id, from.string(), to.string())));
    TB_TRY(w->sync());
    done = move_all(*w, moves, false, "tb-rename");
    if (done.ok()) {
      TB_TRY(w->line(renamelog::end_line("renamed")));
      TB_TRY(w->sync());
    }
  }
  if (!done.ok()) {
    auto back = undo_rename(sum.log);
    if (!back)
      return make_error(Errc::io,
                        "rename: {}; putting the files back failed too: {}; run `tetherbox rename "
                        "--undo {}` once the cause is fixed",
                        done.error().message, back.error().message, shown(sum.log));
    return make_error(Errc::io, "rename: {}; every file was put back under its old name (log: {})",
                      done.error().message, shown(sum.log));
  }
  sum.renamed = moves.size();
  return sum;
}

Result<size_t> undo_rename(const fs::path& log) {
  auto files = renamelog::replay(log);
  if (!files) return files.error();
  auto w = renamelog::Writer::open(log, true);
  if (!w) return w.error();

  // Where each file is: an intent without its done line is settled by which name exists
  // (the rename never replaces, so at most one of them can be this file).
  for (size_t id = 0; id < files->size(); ++id) {
    auto& f = (*files)[id];
    if (!f.pending_to) continue;
    const bool at_from = exists_no_follow(f.location), at_to = exists_no_follow(*f.pending_to);
    if (at_to && !at_from) {
      TB_TRY(w->line(renamelog::done_line(id)));
      f.location = *f.pending_to;
    } else if (at_from && !at_to) {
      TB_TRY(w->line(renamelog::abandon_line(id)));
    } else {
      return make_error(Errc::mismatch,
                        "undo: {} (originally {}) was being renamed to {}, and {} of the two "
                        "names exist{}; nothing moved",
                        shown(f.location), shown(f.orig), shown(*f.pending_to),
                        at_to ? "both" : "neither", at_to ? "" : "s");
    }
    f.pending_to.reset();
  }
  std::set<fs::path> locations;
  std::vector<std::tuple<size_t, fs::path, fs::path>> moves;
  for (size_t id = 0; id < files->size(); ++id) {
    const auto& f = (*files)[id];
    if (!exists_no_follow(f.location))
      return make_error(Errc::not_found,
                        "undo: {} (originally {}) is not there any more; nothing moved",
                        shown(f.location), shown(f.orig));
    if (f.location != f.orig) {
      moves.emplace_back(id, fs::path(f.location), fs::path(f.orig));
      locations.insert(f.location);
    }
  }
  for (const auto& [id, from, to] : moves)
    if (!locations.contains(to) && exists_no_follow(to))
      return make_error(Errc::invalid,
                        "undo: {} cannot get its old name back: {} is now another file; nothing "
                        "moved (move that file away and run the undo again)",
                        shown(from), shown(to));
  TB_TRY(w->sync());
  if (!moves.empty()) TB_TRY(move_all(*w, moves, true, "tb-undo"));
  TB_TRY(w->line(renamelog::end_line("undone")));
  TB_TRY(w->sync());
  return moves.size();
}

}  // namespace tb::delivery
