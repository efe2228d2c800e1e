#include <fmt/format.h>

#include "commands.hpp"
#include "tetherbox/capture/dust.hpp"
#include "tetherbox/capture/report.hpp"
#include "tetherbox/config/load.hpp"
#include "tetherbox/hal/sim/sim.hpp"

namespace tb::cli {

namespace {

// The sim sensor's own specks for the bag's config (the ground truth a test measures the
// detector against); a bag from a real camera has none to print.
int print_sim_truth(const std::string& bag) {
  auto cfg = config::load_file(bag + "/data/session.yaml");
  if (!cfg) {
    fmt::print(stderr, "error: dustmap --sim-truth: {}\n", cfg.error().message);
    return 1;
  }
  if (cfg->camera.backend != "sim") {
    fmt::print(stderr, "error: dustmap --sim-truth: the bag's camera is '{}', not the sim\n",
               cfg->camera.backend);
    return 1;
  }
  nlohmann::json out = nlohmann::json::array();
  for (const auto& s : hal::sim::dust_specks(*cfg))
    out.push_back({{"x", s.x}, {"y", s.y}, {"radius", s.radius}, {"depth", s.depth}});
  fmt::print("{}\n", out.dump());
  return 0;
}

}  // namespace

// Exit codes: 0 map written, 1 refused or failed (the bag is unchanged).
int cmd_dustmap(const DustmapArgs& a) {
  if (a.sim_truth) return print_sim_truth(a.bag);
  auto map = capture::find_dust(a.bag);
  if (!map) {
    fmt::print(stderr, "error: dustmap: {}\n", map.error().message);
    return 1;
  }
  capture::ReportAdditions add;
  add.files.emplace_back("dust-mask.png",
                         capture::encode_png_gray(map->mask, map->mask_width, map->mask_height));
  const nlohmann::json dust = capture::dust_json(*map, "data/dust-mask.png");
  add.amend = [&](nlohmann::json& report) { report["dust"] = dust; };
  auto r = capture::rebuild_report(a.bag, add);
  if (!r) {
    fmt::print(stderr, "error: dustmap: {}\n", r.error().message);
    return 1;
  }
  for (const auto& s : map->specks)
    fmt::print("speck at ({:.1f}, {:.1f}) radius {:.1f} px, {:.0f} % darker\n", s.x, s.y, s.radius,
               s.contrast * 100);
  for (const auto& s : map->skipped) fmt::print("skipped: {}\n", s);
  fmt::print("{} speck(s) from {} frame(s) ({}, {} view group(s))\n{}/data/dust-mask.png\n",
             map->specks.size(), map->frames_used, map->source, map->view_groups, a.bag);
  return 0;
}

}  // namespace tb::cli
