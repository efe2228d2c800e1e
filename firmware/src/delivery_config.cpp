#include "delivery_config.hpp"

#include <filesystem>

#include "tetherbox/config/load.hpp"

namespace tb::cli {

Result<std::optional<config::Config>> delivery_config(const std::string& path) {
  std::error_code ec;
  if (path.empty() && !std::filesystem::exists(kBoxConfig, ec))
    return std::optional<config::Config>{};
  auto cfg = config::load_file(path.empty() ? kBoxConfig : path);
  if (!cfg) return cfg.error();
  return std::optional<config::Config>{std::move(*cfg)};
}

}  // namespace tb::cli
