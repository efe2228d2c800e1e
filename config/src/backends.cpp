// The config's view of the backend registry: which key chooses which kind, and the check that
// every chosen backend is one this build can make.
#include "tetherbox/config/backends.hpp"

#include <fmt/format.h>

#include "issues.hpp"
#include "suggest.hpp"

namespace tb::config {

const std::vector<std::string>& backend_kinds() {
  static const std::vector<std::string> kinds = {"board",   "camera", "turntable", "lighting",
                                                 "buttons", "gps",    "ambient"};
  return kinds;
}

std::string backend_key(const std::string& kind) {
  return kind == "board" ? std::string("board") : kind + ".backend";
}

std::string chosen_backend(const Config& cfg, const std::string& kind) {
  if (kind == "board") return cfg.board;
  if (kind == "camera") return cfg.camera.backend;
  if (kind == "turntable") return cfg.turntable.backend;
  if (kind == "lighting") return cfg.lighting.backend;
  if (kind == "buttons") return cfg.buttons.backend;
  if (kind == "gps") return cfg.gps.backend;
  if (kind == "ambient") return cfg.ambient.backend;
  return {};
}

const BackendInfo* find_backend(const BackendTable& table, const std::string& kind,
                                const std::string& name) {
  for (const auto& b : table) {
    if (b.kind == kind && b.name == name) return &b;
  }
  return nullptr;
}

namespace detail {

std::vector<Issue> backend_issues(const Config& cfg, const BackendTable& table) {
  std::vector<Issue> out;
  for (const auto& kind : backend_kinds()) {
    const std::string name = chosen_backend(cfg, kind);
    const BackendInfo* b = find_backend(table, kind, name);
    std::vector<std::string> built;
    for (const auto& row : table) {
      if (row.kind == kind && row.built) built.push_back(row.name);
    }
    if (!b) {
      std::string msg = fmt::format("'{}' is not a backend for {}", name, kind);
      if (auto m = closest_match(name, built)) msg += fmt::format(" (did you mean '{}'?)", *m);
      out.push_back({backend_key(kind), msg + "; expected one of: " + join_names(built)});
    } else if (!b->built) {
      out.push_back(
          {backend_key(kind),
           fmt::format("'{}' is not built into this tetherbox ({}); expected one of: {}", name,
                       b->why_not.empty() ? "not available" : b->why_not, join_names(built))});
    }
  }
  return out;
}

}  // namespace detail

Status check_backends(const Config& cfg, const BackendTable& table) {
  const auto issues = detail::backend_issues(cfg, table);
  if (issues.empty()) return ok_status();
  std::vector<std::string> lines;
  for (const auto& i : issues) lines.push_back(i.path + ": " + i.message);
  return Error{Errc::invalid, detail::join_issues(lines)};
}

}  // namespace tb::config
