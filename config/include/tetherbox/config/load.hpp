#pragma once
#include <functional>
#include <string>
#include <vector>

#include "tetherbox/common/result.hpp"
#include "tetherbox/config/backends.hpp"
#include "tetherbox/config/config.hpp"

namespace tb::config {

// Loads, types and validates a config file (at most 1 MB, flow nesting at most 32 deep, lists
// at most 1000 entries: refused before parsing further, so no input can hang or exhaust memory). Errors read
//   "<file>:<line>:<col>: <key.path>: <what is wrong>; expected <what is allowed>"
// and unknown keys add "did you mean '<closest>'?". Relative paths in the file
// (storage.root, metadata.releases) are resolved against the file's directory.
Result<Config> load_file(const std::string& path);
// Same, from text; `name` stands in for the file name in messages.
Result<Config> load_string(const std::string& yaml_text, const std::string& name = "<string>");

// A problem found by a check outside config (preflight: names, caps, releases), named by the
// key it comes from so the loader can place it at that key's file:line:col.
struct KeyIssue {
  std::string path;  // "storage.name_template", "metadata.releases[1]"; empty: not placed
  std::string message;
};

struct LoadOptions {
  // Every backend the config chooses must be one this table can make. `tetherbox plan` and
  // `run` pass the firmware's registry; null: only the names config knows are checked.
  const BackendTable* built = nullptr;
  // Runs on a config that passed every other check; its issues are placed like the others.
  std::function<std::vector<KeyIssue>(const Config&)> more_checks;
};
Result<Config> load_file(const std::string& path, const LoadOptions& opts);
Result<Config> load_string(const std::string& yaml_text, const std::string& name,
                           const LoadOptions& opts);
// camera.backend has no default in a file: a config that does not name it is an error, never
// a silent sim. Configs built in code keep the struct default (sim).

// Cross-field checks (presets name existing lights, overlap in 0.60..0.90, at least one
// position, ...). load_* already calls it; exposed for configs built in code.
Status validate(const Config& cfg);

// The resolved config written as YAML (data/session.yaml in the bag).
std::string to_yaml(const Config& cfg);

// "1/125" -> 0.008, "2" -> 2.0, "0.5" -> 0.5, "1\"" -> 1.0. Error on anything else.
Result<double> parse_shutter(const std::string& text);

}  // namespace tb::config
