#include <CLI/CLI.hpp>
#include <csignal>
#include <exception>

#include "client/client.hpp"
#include "commands.hpp"
#include "tetherbox/common/console.hpp"
#include "tetherbox/common/log.hpp"

namespace {

int run_cli(int argc, char** argv) {
  CLI::App app{"tetherbox: capture controller for tethered, turntable and field photography"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("tetherbox ") + tb::version());
  std::string log_level = "info";
  std::string levels;
  for (const auto& n : tb::log_level_names()) levels += (levels.empty() ? "" : "|") + n;
  app.add_option("--log-level", log_level, levels)
      ->capture_default_str()
      ->check(CLI::IsMember(tb::log_level_names()));

  tb::cli::RunArgs run;
  auto* r =
      app.add_subcommand("run", "run one session in the foreground; last stdout line is the bag");
  r->add_option("config", run.config, "session YAML")->required()->check(CLI::ExistingFile);
  r->add_option("--out", run.out, "folder for the session bag (default: storage.root)");
  r->add_option("--resume", run.resume, "continue this bag after a crash or stop")
      ->check(CLI::ExistingDirectory);
  r->add_flag("-q,--quiet", run.quiet, "no progress lines");
  r->add_flag("--rehash", run.rehash,
              "with --resume: re-hash every file against the journal, not only size (slower)")
      ->needs("--resume");

  std::string plan_cfg;
  auto* p = app.add_subcommand("plan", "print the planned sequence; touches no device");
  p->add_option("config", plan_cfg, "session YAML")->required()->check(CLI::ExistingFile);

  std::string bag;
  auto* v = app.add_subcommand("verify", "re-hash a bag against its manifests");
  v->add_option("bag", bag, "session bag folder")->required();

  // Client of tetherboxd (issue 10): one subcommand per control request.
  tb::client::ClientArgs ca;
  app.add_option("--socket", ca.socket, "tetherboxd's control socket")->capture_default_str();
  std::vector<CLI::App*> client_cmds;
  auto client_cmd = [&](const char* name, const char* help) {
    auto* c = app.add_subcommand(name, help);
    c->add_flag("--json", ca.json, "print the daemon's JSON reply lines");
    client_cmds.push_back(c);
    return c;
  };
  client_cmd("status", "the daemon's devices, disk and session")
      ->add_flag("-w,--watch", ca.follow, "repeat every second");
  auto* cs = client_cmd("start", "start a session in the daemon");
  cs->add_option("config", ca.config, "session YAML (default: the daemon's)")
      ->check(CLI::ExistingFile);
  cs->add_flag("--wait", ca.follow, "follow the session; exit 0 complete, 3 incomplete");
  client_cmd("stop", "stop the session after the frame in flight");
  client_cmd("pause", "pause the session (--off: continue)")
      ->add_flag("--off", ca.pause_off, "continue a paused session");
  auto* crs = client_cmd("resume-session", "continue the session a crash left open");
  crs->add_option("--bag", ca.bag, "which open bag (default: the only one)");
  crs->add_flag("--wait", ca.follow, "follow the session; exit 0 complete, 3 incomplete");
  client_cmd("trigger", "press the trigger (buttons sessions)")
      ->add_flag("--long", ca.long_press, "a long press: starts or ends a buttons session");
  client_cmd("reload", "re-read the daemon's config (kept when the new one is bad)");
  client_cmd("sessions", "the bags in the storage root and their state");
  auto* lv = client_cmd("liveview", "a live frame and its focus measure (not during a session)");
  lv->add_option("--out", ca.out, "write the frame to this JPEG file");
  lv->add_flag("--stream", ca.stream, "one frame every half second until Ctrl-C");
  auto* cl = client_cmd("log", "the daemon's latest events");
  cl->add_flag("-f,--follow", ca.follow, "stream events as they happen");
  cl->add_option("-n,--lines", ca.lines, "how many")->check(CLI::Range(1, 1000));
  // delivery (issue 13)
  tb::cli::ExportArgs exp;
  auto* ex = app.add_subcommand("export", "write a delivery copy of a finished bag (a new bag)");
  ex->add_option("bag", exp.bag, "finished session bag")->required();
  ex->add_option("--to", exp.to, "new or empty folder for the delivery bag")->required();
  ex->add_flag("--strip-gps", exp.strip_gps, "remove every position; UTC time is kept");
  ex->add_flag("--embed-metadata", exp.embed_metadata, "write each sidecar into its images");
  ex->add_flag("--jpeg-only", exp.jpeg_only, "leave RAW originals out");
  ex->add_flag("--previews", exp.previews, "include the previews");

  tb::cli::ReleaseArgs rel;
  auto* rl = app.add_subcommand("release", "model/property releases of a finished bag");
  rl->require_subcommand(1);
  auto* rla = rl->add_subcommand("add", "store a release (PDF, JPEG, PNG) linked to frames");
  rla->add_option("bag", rel.bag, "finished session bag")->required();
  rla->add_option("file", rel.file, "the release document")->required();
  rla->add_option("--kind", rel.kind, "model|property")->required();
  rla->add_option("--subject", rel.subject, "who or what it releases")->required();
  rla->add_option("--frames", rel.frames, "glob over frame names (default: every frame)");
  std::string rel_list_bag;
  auto* rll = rl->add_subcommand("list", "the releases a bag records");
  rll->add_option("bag", rel_list_bag, "session bag")->required();

  std::string copy_bag, copy_dir;
  auto* cp = app.add_subcommand("copy", "verified second copy of a finished bag (another disk)");
  cp->add_option("bag", copy_bag, "finished session bag")->required();
  cp->add_option("dir", copy_dir, "folder to copy into (the copy is DIR/<bag name>)")->required();

  std::string prune_root;
  int prune_copies = 0;  // 0: delivery.copies_required of the config
  std::string prune_config;
  bool prune_dry = false;
  auto* pr = app.add_subcommand("prune", "free the space of bags held in enough other places");
  pr->add_option("root", prune_root, "storage root holding the bags")->required();
  pr->add_option("--copies", prune_copies,
                 "places a bag must be in besides this disk (default: "
                 "delivery.copies_required of the config, else 2)")
      ->check(CLI::Range(1, 100));
  pr->add_option("--config", prune_config, "config with delivery.copies_required")
      ->check(CLI::ExistingFile);
  pr->add_flag("--dry-run", prune_dry, "say what would be removed; remove nothing");

  tb::cli::SyncArgs sy;
  auto* sc = app.add_subcommand("sync", "send a finished bag to an rclone remote, verified");
  sc->add_option("bag", sy.bag, "finished session bag")->required();
  sc->add_option("remote", sy.remote,
                 "rclone remote name:path (the bag goes under it; default: every one of "
                 "sync.remotes in the config)");
  sc->add_option("--config", sy.config, "config with sync.remotes (default: the box's)")
      ->check(CLI::ExistingFile);
  sc->add_option("--bwlimit", sy.bwlimit, "rclone bandwidth limit, e.g. 2M");
  sc->add_flag("--previews", sy.previews, "previews, report, records and exports only");
  sc->add_option("--select", sy.select, "file of frame names/globs whose originals to send")
      ->check(CLI::ExistingFile);

  // shoot report and dust map (issue 12 items 4, 5)
  std::string report_bag;
  auto* rp = app.add_subcommand("report", "rebuild report.json/html of a closed bag");
  rp->add_option("bag", report_bag, "closed session bag")->required();
  tb::cli::DustmapArgs dm;
  auto* dmc = app.add_subcommand("dustmap", "find sensor dust in a closed bag's frames");
  dmc->add_option("bag", dm.bag, "closed session bag")->required();
  dmc->add_flag("--sim-truth", dm.sim_truth, "print the sim sensor's own specks (JSON) instead");
  tb::cli::RenameArgs rn;
  auto* rnc = app.add_subcommand("rename", "name a folder of existing images from their EXIF");
  rnc->add_option("dir", rn.dir, "folder of images (JPEG, NEF, CR2/CR3, ARW, DNG, ...)");
  rnc->add_option("--template", rn.tmpl,
                  "capture's naming template over {session} {seq} {req} {date} {time}");
  rnc->add_option("--session", rn.session, "value of {session} (default: the folder's name)");
  rnc->add_option("--to", rn.to, "move the renamed files into this folder (same disk)");
  rnc->add_option("--log", rn.log, "write the undo log here (default: in the folder)");
  rnc->add_flag("--dry-run", rn.dry_run, "print the new names; rename nothing");
  rnc->add_option("--undo", rn.undo, "put every file of this rename log back")
      ->check(CLI::ExistingFile);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  tb::init_logging(log_level);
  if (*r) return tb::cli::cmd_run(run);
  if (*p) return tb::cli::cmd_plan(plan_cfg);
  if (*v) return tb::cli::cmd_verify(bag);
  for (auto* c : client_cmds)
    if (*c) {
      ca.cmd = c->get_name();
      return tb::client::run_client(ca);
    }
  if (*ex) return tb::cli::cmd_export(exp);
  if (*rla) return tb::cli::cmd_release_add(rel);
  if (*rll) return tb::cli::cmd_release_list(rel_list_bag);
  if (*cp) return tb::cli::cmd_copy(copy_bag, copy_dir);
  if (*pr) return tb::cli::cmd_prune(prune_root, prune_copies, prune_dry, prune_config);
  if (*sc) return tb::cli::cmd_sync(sy);
  if (*rp) return tb::cli::cmd_report(report_bag);
  if (*dmc) return tb::cli::cmd_dustmap(dm);
  if (*rnc) return tb::cli::cmd_rename(rn);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  // A reader that went away (`| head`, a dropped SSH session) must not kill a run: writes to a
  // closed pipe fail with EPIPE, which the console handles, instead of raising SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  // Last resort: an exception that escaped every module edge becomes a clear error and exit 1,
  // never std::terminate (exit 134). cmd_run catches its own to finalize the bag first.
  try {
    return run_cli(argc, argv);
  } catch (const std::exception& e) {
    tb::console::err(std::string("error: internal: ") + e.what() + "\n");
  } catch (...) {
    tb::console::err("error: internal: unknown exception\n");
  }
  return 1;
}
