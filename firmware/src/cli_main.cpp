#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "tetherbox/common/log.hpp"

int main(int argc, char** argv) {
  CLI::App app{"tetherbox: capture controller for tethered, turntable and field photography"};
  app.require_subcommand(1);
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "trace|debug|info|warn|error")->capture_default_str();

  tb::cli::RunArgs run;
  auto* r = app.add_subcommand("run", "run one session in the foreground; last stdout line is the bag");
  r->add_option("config", run.config, "session YAML")->required()->check(CLI::ExistingFile);
  r->add_option("--out", run.out, "folder for the session bag (default: storage.root)");
  r->add_option("--resume", run.resume, "continue this bag after a crash or stop")
      ->check(CLI::ExistingDirectory);
  r->add_flag("-q,--quiet", run.quiet, "no progress lines");

  std::string plan_cfg;
  auto* p = app.add_subcommand("plan", "print the planned sequence; touches no device");
  p->add_option("config", plan_cfg, "session YAML")->required()->check(CLI::ExistingFile);

  std::string bag;
  auto* v = app.add_subcommand("verify", "re-hash a bag against its manifests");
  v->add_option("bag", bag, "session bag folder")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  tb::init_logging(log_level);
  if (*r) return tb::cli::cmd_run(run);
  if (*p) return tb::cli::cmd_plan(plan_cfg);
  if (*v) return tb::cli::cmd_verify(bag);
  return 2;
}
