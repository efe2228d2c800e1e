#include "tetherbox/capture/text_utf8.hpp"

#include <cstdint>

namespace tb::capture::text {

size_t utf8_sequence_length(std::string_view s, size_t i, size_t* bad_len) {
  size_t ignored = 0;
  if (!bad_len) bad_len = &ignored;
  const auto b = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  const uint8_t c = b(i);
  *bad_len = 1;
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

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// XML 1.0 cannot carry C0 controls other than tab, LF and CR, not even as references.
size_t clean_sequence_length(std::string_view s, size_t i, size_t* bad_len) {
  const auto c = static_cast<uint8_t>(s[i]);
  if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
    *bad_len = 1;
    return 0;
  }
  return utf8_sequence_length(s, i, bad_len);
}

}  // namespace

bool is_clean_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    size_t bad = 0;
    const size_t n = clean_sequence_length(s, i, &bad);
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
    const size_t n = clean_sequence_length(s, i, &bad);
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
