#include "config_load.hpp"

#include "tetherbox/config/load.hpp"
#include "tetherbox/firmware/backends.hpp"

namespace tb::daemon {

Result<LoadedConfig> load_checked(const std::string& path) {
  const auto& built = firmware::backend_table();
  LoadedConfig out;
  config::LoadOptions lo;
  lo.built = &built;
  lo.more_checks = [&](const config::Config& c) {
    return capture::preflight_issues(c, &built, &out.preflight);
  };
  auto cfg = config::load_file(path, lo);
  if (!cfg) return cfg.error();
  out.cfg = std::move(*cfg);
  return out;
}

}  // namespace tb::daemon
