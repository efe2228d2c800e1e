#pragma once
// The one way tetherboxd reads a config: the same loader, backend table and preflight as
// `tetherbox plan` and `run`, so the daemon refuses exactly what they refuse, at file:line:col.
#include <string>

#include "tetherbox/capture/preflight.hpp"
#include "tetherbox/common/result.hpp"
#include "tetherbox/config/config.hpp"

namespace tb::daemon {

struct LoadedConfig {
  config::Config cfg;
  capture::Preflight preflight;
};

Result<LoadedConfig> load_checked(const std::string& path);

}  // namespace tb::daemon
