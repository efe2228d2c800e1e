#pragma once
// The property every config text must satisfy (issue 8): load -> validate -> preflight either
// fails with a clear error, or yields a plan within the caps whose names are all distinct.
// Shared by the libFuzzer target (clang) and the corpus replay test (any compiler).
#include <string>
#include <string_view>

namespace tb::fuzz {

// Empty when the property holds; otherwise what was violated. `accepted` (if given) tells
// whether the config passed every check.
std::string check_config_text(std::string_view text, bool* accepted = nullptr);

}  // namespace tb::fuzz
