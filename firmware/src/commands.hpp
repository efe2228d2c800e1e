#pragma once
// The tetherbox CLI's subcommands. Exit codes: 0 done, 1 error (nothing usable made),
// 2 bad config or usage, 3 stopped early or not finalized (the bag's path is still printed; --resume continues it).
#include <optional>
#include <string>

namespace tb::cli {

struct RunArgs {
  std::string config;
  std::string out;
  std::string resume;
  bool quiet = false;
  bool rehash = false;  // with --resume: re-hash every file (durable2, issue 9)
};

int cmd_run(const RunArgs& a);
int cmd_plan(const std::string& config);
int cmd_verify(const std::string& bag);

// delivery (issue 13): operations on finished bags.
struct ExportArgs {
  std::string bag;
  std::string to;
  bool strip_gps = false;
  bool embed_metadata = false;
  bool jpeg_only = false;
  bool previews = false;
};
int cmd_export(const ExportArgs& a);
struct ReleaseArgs {
  std::string bag, file, kind, subject, frames;
};
int cmd_release_add(const ReleaseArgs& a);
int cmd_release_list(const std::string& bag);
int cmd_copy(const std::string& bag, const std::string& dir);
// copies 0: delivery.copies_required of `config` ("" = the box's config, when it exists).
int cmd_prune(const std::string& root, int copies, bool dry_run, const std::string& config = "");
struct SyncArgs {
  std::string bag, remote, bwlimit, select;
  std::string config;  // sync.remotes when no remote is given ("" = the box's config)
  bool previews = false;
};
int cmd_sync(const SyncArgs& a);
struct RenameArgs {
  std::string dir, tmpl, session, to, log, undo;
  bool dry_run = false;
};
int cmd_rename(const RenameArgs& a);

// shoot report and dust map (issue 12 items 4, 5): rebuild a closed bag's report.
int cmd_report(const std::string& bag);
struct DustmapArgs {
  std::string bag;
  bool sim_truth = false;
};
int cmd_dustmap(const DustmapArgs& a);

}  // namespace tb::cli
