#pragma once
// What the build can make, as config sees it: one row per (device kind, backend name). The
// firmware's backend registry (firmware/backends.hpp) is the one source of these rows and
// adds the factories; config and capture read only this view, so they need no hal backend.
#include <string>
#include <vector>

#include "tetherbox/common/result.hpp"
#include "tetherbox/config/config.hpp"

namespace tb::config {

struct BackendInfo {
  std::string kind;              // board | camera | turntable | lighting | buttons | gps | ambient
  std::string name;              // as written in the config: sim, gphoto2, none, ...
  bool built = false;            // this binary can make it
  bool simulated = false;        // the device is the sim board's, not hardware
  bool moves_elevation = false;  // turntable: can change the camera's elevation between rings
  std::string why_not;           // !built: what is missing, for the error message
};

using BackendTable = std::vector<BackendInfo>;

// The config key that chooses a kind's backend: "camera.backend", "board".
std::string backend_key(const std::string& kind);
// The backend name cfg chooses for `kind` ("" for an unknown kind).
std::string chosen_backend(const Config& cfg, const std::string& kind);
// The kinds in the order `tetherbox plan` lists them.
const std::vector<std::string>& backend_kinds();
const BackendInfo* find_backend(const BackendTable& table, const std::string& kind,
                                const std::string& name);

// Every backend cfg chooses that `table` cannot make, as "<key>: <why>" lines.
Status check_backends(const Config& cfg, const BackendTable& table);

}  // namespace tb::config
