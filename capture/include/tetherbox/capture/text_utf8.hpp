#pragma once
// Strings that reach XMP, JSON and HTML come from YAML, cameras and file names, and are not
// always UTF-8. exiv2's XMP toolkit throws on invalid UTF-8 (which lost every sidecar) and a
// strict JSON dump throws too: such text is repaired here, once, and the repair is reported.
#include <cstddef>
#include <string>
#include <string_view>

namespace tb::capture::text {

// Length of the well-formed UTF-8 sequence that starts at s[i] (1 for ASCII), or 0 when it is
// ill-formed: overlongs, surrogates and code points past U+10FFFF are (Unicode Table 3-7).
// `bad_len`, when given, receives the length of the maximal ill-formed subpart.
size_t utf8_sequence_length(std::string_view s, size_t i, size_t* bad_len = nullptr);

// True when `s` is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF)
// with no C0 control other than tab, LF and CR (XML 1.0 cannot carry them).
bool is_clean_utf8(std::string_view s);

// `s` with every ill-formed sequence replaced by U+FFFD (one per maximal ill-formed subpart,
// as Unicode recommends), and C0 controls other than tab, LF and CR likewise.
std::string clean_utf8(std::string_view s);

}  // namespace tb::capture::text
