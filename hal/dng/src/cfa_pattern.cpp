#include "cfa_pattern.hpp"

namespace tb::hal::dng::detail {

Result<CfaPattern> parse_cfa(const std::string& s) {
  // Any 2x2 arrangement of R, G, B with two greens is a Bayer layout; sensors ship all four.
  static const char* kKnown[] = {"RGGB", "BGGR", "GRBG", "GBRG"};
  bool known = false;
  for (const char* k : kKnown) known = known || s == k;
  if (!known)
    return make_error(Errc::invalid, "CFA pattern '{}' is not one of RGGB, BGGR, GRBG, GBRG", s);
  CfaPattern p;
  for (int i = 0; i < 4; ++i) p.colors[i] = s[i] == 'R' ? 0 : s[i] == 'G' ? 1 : 2;
  return p;
}

}  // namespace tb::hal::dng::detail
