// `tetherbox plan`: everything `run` would decide or refuse, without touching a device or the
// disk: the devices (and which are simulated), where the bag goes, the plan, the caps.
#include <fmt/format.h>
#include <sys/statvfs.h>

#include <filesystem>

#include "commands.hpp"
#include "tetherbox/capture/plan.hpp"
#include "tetherbox/capture/preflight.hpp"
#include "tetherbox/config/load.hpp"
#include "tetherbox/firmware/backends.hpp"

namespace tb::cli {
namespace {

std::string human_bytes(uint64_t b) {
  if (b >= (1ULL << 40)) return fmt::format("{:.1f} TB", static_cast<double>(b) / (1ULL << 40));
  if (b >= (1ULL << 30)) return fmt::format("{:.1f} GB", static_cast<double>(b) / (1ULL << 30));
  if (b >= (1ULL << 20)) return fmt::format("{:.1f} MB", static_cast<double>(b) / (1ULL << 20));
  return fmt::format("{} kB", (b + 1023) / 1024);
}

// Free space where the bag would go: the root itself, or the nearest folder that exists (run
// creates the rest).
std::string free_space(const std::string& root) {
  namespace fs = std::filesystem;
  fs::path p(root);
  std::error_code ec;
  while (!p.empty() && !fs::exists(p, ec)) p = p.parent_path();
  struct statvfs sv {};
  if (p.empty() || ::statvfs(p.c_str(), &sv) != 0) return "free space unknown";
  const uint64_t free = static_cast<uint64_t>(sv.f_bavail) * sv.f_frsize;
  return fmt::format("{} free on {}", human_bytes(free), p.string());
}

}  // namespace

int cmd_plan(const std::string& config) {
  const auto& built = firmware::backend_table();
  capture::Preflight pf;
  config::LoadOptions opts;
  opts.built = &built;
  opts.more_checks = [&](const config::Config& c) {
    return capture::preflight_issues(c, &built, &pf);
  };
  auto cfg = config::load_file(config, opts);
  if (!cfg) {
    fmt::print(stderr, "error: {}\n", cfg.error().message);
    return 2;
  }
  fmt::print("Config: {}\n", cfg->source_path);
  fmt::print("Devices:\n");
  for (const auto& d : pf.devices) {
    fmt::print("  {:<10} {}{}\n", d.kind, d.backend,
               d.simulated           ? "  SIMULATED (sim board, not hardware)"
               : d.backend == "none" ? "  (not used)"
                                     : "");
  }
  fmt::print("Bag: {}/<UTC start>_{} ({}; `run --out` overrides the folder)\n", cfg->storage.root,
             cfg->session.name, free_space(cfg->storage.root));
  fmt::print("{}", capture::describe_plan(pf.plan, *cfg));
  if (cfg->session.mode == "buttons") {
    fmt::print("Names: proven distinct over {} presses ({} frames){}; longest {} bytes: {}\n",
               pf.presses_checked, pf.names_checked,
               cfg->session.max_brackets > 0 ? ""
                                             : " (presses are unbounded: checked up to the "
                                               "frame cap)",
               pf.longest_name.size(), pf.longest_name);
  } else {
    fmt::print("Names: {} rendered, all distinct; longest {} bytes: {}\n", pf.names_checked,
               pf.longest_name.size(), pf.longest_name);
  }
  fmt::print(
      "Size: about {} ({} per frame, {})\n", human_bytes(pf.estimated_bytes),
      human_bytes(pf.bytes_per_frame),
      pf.bytes_estimated_from_image
          ? fmt::format("from the {}x{} sim image", cfg->camera.sim.width, cfg->camera.sim.height)
          : std::string("assuming a typical body; the real size depends on the camera"));
  fmt::print(
      "Caps: {} frames, {} rings, {} positions per ring, {} presets, {} brackets, {}-byte "
      "names, {} per session, {} per release\n",
      capture::kPlanCaps.shots, capture::kPlanCaps.rings, capture::kPlanCaps.positions_per_ring,
      capture::kPlanCaps.presets, capture::kPlanCaps.brackets, capture::NameTemplate::kMaxNameBytes,
      human_bytes(capture::kPlanCaps.bytes), human_bytes(capture::kMaxReleaseBytes));
  if (pf.releases.empty()) {
    fmt::print("Releases: none\n");
  } else {
    fmt::print("Releases:\n");
    for (const auto& r : pf.releases)
      fmt::print("  {} ({}, {}) -> data/releases/{}\n", r.source, r.type, human_bytes(r.size),
                 r.stored_name);
  }
  return 0;
}

}  // namespace tb::cli
