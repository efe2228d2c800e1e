#pragma once
// Strings that reach XMP, JSON and HTML come from YAML, cameras and file names, and are not
// always UTF-8. exiv2's XMP toolkit throws on invalid UTF-8 (which lost every sidecar) and a
// strict JSON dump throws too: such text is repaired here, once, and the repair is reported.
// Private to capture/src.
#include <string>
#include <string_view>

namespace tb::capture::text {

// True when `s` is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF)
// with no C0 control other than tab, LF and CR (XML 1.0 cannot carry them).
bool is_clean_utf8(std::string_view s);

// `s` with every ill-formed sequence replaced by U+FFFD (one per maximal ill-formed subpart,
// as Unicode recommends), and C0 controls other than tab, LF and CR likewise.
std::string clean_utf8(std::string_view s);

}  // namespace tb::capture::text
