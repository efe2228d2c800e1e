#pragma once
// The box's config as the delivery commands read it: sync.remotes and
// delivery.copies_required (issue 13). `tetherbox sync` / `prune` take --config; without it
// they read the config tetherboxd runs with.
#include <optional>
#include <string>

#include "tetherbox/common/result.hpp"
#include "tetherbox/config/config.hpp"

namespace tb::cli {

inline constexpr const char* kBoxConfig = "/etc/tetherbox/tetherbox.yaml";

// `path` given: it must load (errors carry file:line:col). "" : the box's config when it
// exists, nullopt when it does not.
Result<std::optional<config::Config>> delivery_config(const std::string& path);

}  // namespace tb::cli
