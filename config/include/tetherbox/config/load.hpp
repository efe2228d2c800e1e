#pragma once
#include <string>

#include "tetherbox/common/result.hpp"
#include "tetherbox/config/config.hpp"

namespace tb::config {

// Loads, types and validates a config file. Errors read
//   "<file>:<line>:<col>: <key.path>: <what is wrong>; expected <what is allowed>"
// and unknown keys add "did you mean '<closest>'?". Relative paths in the file
// (storage.root, metadata.releases) are resolved against the file's directory.
Result<Config> load_file(const std::string& path);
// Same, from text; `name` stands in for the file name in messages.
Result<Config> load_string(const std::string& yaml_text, const std::string& name = "<string>");

// Cross-field checks (presets name existing lights, overlap in 0.60..0.90, at least one
// position, ...). load_* already calls it; exposed for configs built in code.
Status validate(const Config& cfg);

// The resolved config written as YAML (data/session.yaml in the bag).
std::string to_yaml(const Config& cfg);

// "1/125" -> 0.008, "2" -> 2.0, "0.5" -> 0.5, "1\"" -> 1.0. Error on anything else.
Result<double> parse_shutter(const std::string& text);

}  // namespace tb::config
