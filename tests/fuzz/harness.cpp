#include "harness.hpp"

#include <fmt/format.h>

#include <unordered_set>

#include "tetherbox/capture/preflight.hpp"
#include "tetherbox/config/load.hpp"

namespace tb::fuzz {
namespace {

// The rows of a sim-only build: the fuzz target links no hal backend, so it carries its own
// view of the registry (same shape as firmware::backend_table()).
const config::BackendTable& table() {
  static const config::BackendTable t = {
      {"board", "sim", true, true, false, ""},
      {"board", "rpi4", false, false, false, "fuzz build"},
      {"board", "rpi5", false, false, false, "fuzz build"},
      {"camera", "sim", true, true, false, ""},
      {"camera", "gphoto2", false, false, false, "fuzz build"},
      {"camera", "libcamera", false, false, false, "fuzz build"},
      {"turntable", "sim", true, true, true, ""},
      {"turntable", "none", true, false, false, ""},
      {"lighting", "sim", true, true, false, ""},
      {"lighting", "gpiod", false, false, false, "fuzz build"},
      {"lighting", "none", true, false, false, ""},
      {"buttons", "sim", true, true, false, ""},
      {"buttons", "gpiod", false, false, false, "fuzz build"},
      {"buttons", "none", true, false, false, ""},
      {"gps", "sim", true, true, false, ""},
      {"gps", "gpsd", false, false, false, "fuzz build"},
      {"gps", "none", true, false, false, ""},
      {"ambient", "sim", true, true, false, ""},
      {"ambient", "iio", false, false, false, "fuzz build"},
      {"ambient", "none", true, false, false, ""},
  };
  return t;
}

}  // namespace

std::string check_config_text(std::string_view text, bool* accepted) {
  if (accepted) *accepted = false;
  capture::Preflight pf;
  bool ran = false;
  config::LoadOptions opts;
  opts.built = &table();
  opts.more_checks = [&](const config::Config& c) {
    ran = true;
    return capture::preflight_issues(c, &table(), &pf);
  };
  auto cfg = config::load_string(std::string(text), "fuzz.yaml", opts);
  if (!cfg) {
    if (cfg.error().message.empty()) return "an error without a message";
    return {};
  }
  if (!ran) return "a config was accepted without preflight";
  if (accepted) *accepted = true;
  const auto& caps = capture::kPlanCaps;
  if (pf.plan.shots.empty()) return "an accepted plan has no shots";
  if (pf.plan.shots.size() > caps.shots) return fmt::format("{} shots", pf.plan.shots.size());
  if (pf.names_checked == 0 || pf.names_checked > caps.shots)
    return fmt::format("{} names checked", pf.names_checked);
  if (pf.estimated_bytes > caps.bytes) return fmt::format("{} bytes", pf.estimated_bytes);
  // The names again, independently of preflight's own bookkeeping.
  std::unordered_set<std::string> names;
  const bool buttons = cfg->session.mode == "buttons";
  const uint64_t presses = buttons ? pf.presses_checked : 1;
  for (uint64_t press = 0; press < presses; ++press) {
    for (const auto& shot : pf.plan.shots) {
      capture::FrameRecord r;
      r.seq = press * pf.plan.shots.size() + shot.seq;
      r.request_id = r.seq + 1;
      r.position = shot.position;
      r.trigger_utc = UtcTime{std::chrono::seconds{1764088552}};
      auto name = pf.name_template.render(cfg->session.name, r);
      if (name.empty() || name.size() > capture::NameTemplate::kMaxNameBytes)
        return fmt::format("name of {} bytes", name.size());
      if (!names.insert(std::move(name)).second) return "two frames share a name";
    }
  }
  return {};
}

}  // namespace tb::fuzz
