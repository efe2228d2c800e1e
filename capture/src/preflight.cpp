#include "tetherbox/capture/preflight.hpp"

#include <filesystem>

namespace tb::capture {

Result<Preflight> preflight(const config::Config& cfg) {
  Preflight p;
  auto plan = make_plan(cfg);
  if (!plan) return plan.error();
  p.plan = std::move(*plan);
  auto tmpl = NameTemplate::parse(cfg.storage.name_template);
  if (!tmpl) return tmpl.error();
  p.name_template = std::move(*tmpl);
  if (cfg.session.mode == "buttons")
    p.planned_total = cfg.session.max_brackets > 0
                          ? p.plan.shots.size() * static_cast<size_t>(cfg.session.max_brackets)
                          : 0;
  else
    p.planned_total = p.plan.shots.size();
  for (const auto& rel : cfg.metadata.releases)
    p.releases.push_back({rel, std::filesystem::path(rel).filename().string(), 0});
  return p;
}

}  // namespace tb::capture
