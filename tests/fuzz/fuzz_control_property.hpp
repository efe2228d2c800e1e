#pragma once
// The property every control-socket line must satisfy: parse_request never throws and either
// yields a request for a known command with well-typed args, or an error with a known code
// and a message; the reply built from either is one line of valid JSON that echoes the id.
// Shared by the libFuzzer target (clang) and the corpus replay test (any compiler).
#include <string>
#include <string_view>

namespace tb::fuzz {

std::string check_control_line(std::string_view line);

}  // namespace tb::fuzz
