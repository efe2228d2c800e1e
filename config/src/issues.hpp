#pragma once
// Internal: a config problem before it is placed in a file. The reader attaches file:line:col
// from the YAML node at `path`; configs built in code report the path alone.
#include <string>
#include <vector>

#include <string_view>

#include "tetherbox/config/backends.hpp"
#include "tetherbox/config/config.hpp"

namespace tb::config::detail {

struct Issue {
  std::string path;     // key path, e.g. "lighting.presets[1].on[0]"
  std::string message;  // "<what is wrong>; expected <what is allowed>"
};

// Every cross-field and range problem of `cfg`, in a stable order (validate() reports them).
std::vector<Issue> collect_issues(const Config& cfg);

// Every chosen backend `table` cannot make (see backends.hpp).
std::vector<Issue> backend_issues(const Config& cfg, const BackendTable& table);

// Byte offset of the first byte that is not part of well-formed UTF-8 (overlongs, surrogates
// and code points past U+10FFFF included), or npos.
size_t first_invalid_utf8(std::string_view s);

// Joins issues as "<path>: <message>" lines, at most `limit` of them.
std::string join_issues(const std::vector<std::string>& lines, size_t limit = 20);

}  // namespace tb::config::detail
