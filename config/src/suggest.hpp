#pragma once
// "Did you mean ...?" for misspelt keys and enum values.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tb::config::detail {

// Optimal-string-alignment distance: insertions, deletions, substitutions and adjacent
// transpositions ("aperature" -> "aperture" is 1, "iso" -> "ios" is 1).
size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word`, if it is close enough to be a plausible typo.
std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string>& candidates);

// "a, b, c" for messages.
std::string join_names(const std::vector<std::string>& names);

// "; did you mean 'x'?" when one is close, else "; expected one of: a, b, c".
std::string suggestion_tail(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace tb::config::detail
