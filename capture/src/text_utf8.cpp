#include "text_utf8.hpp"

#include <cstdint>

namespace tb::capture::text {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the well-formed sequence starting at s[i], or 0 when it is ill-formed. The second
// byte's range depends on the lead byte (Unicode Table 3-7): that excludes overlongs,
// surrogates and code points past U+10FFFF.
size_t sequence_length(std::string_view s, size_t i, size_t* bad_len) {
  const auto b = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  const uint8_t c = b(i);
  *bad_len = 1;
  // XML 1.0 cannot carry C0 controls other than tab, LF and CR, not even as references.
  if (c < 0x20) return (c == '\t' || c == '\n' || c == '\r') ? 1 : 0;
  if (c < 0x80) return 1;
  size_t n = 0;
  uint8_t lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  // The maximal ill-formed subpart: the lead byte plus every continuation byte that was valid
  // so far is replaced by one U+FFFD.
  for (size_t k = 1; k < n; ++k) {
    if (i + k >= s.size()) {
      *bad_len = k;
      return 0;
    }
    const uint8_t min = k == 1 ? lo : 0x80, max = k == 1 ? hi : 0xBF;
    if (b(i + k) < min || b(i + k) > max) {
      *bad_len = k;
      return 0;
    }
  }
  return n;
}

}  // namespace

bool is_clean_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    size_t bad = 0;
    const size_t n = sequence_length(s, i, &bad);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string clean_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    size_t bad = 0;
    const size_t n = sequence_length(s, i, &bad);
    if (n == 0) {
      out += kReplacement;
      i += bad;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

}  // namespace tb::capture::text
