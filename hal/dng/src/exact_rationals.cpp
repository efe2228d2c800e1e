#include "exact_rationals.hpp"

#include <cmath>

namespace tb::hal::dng::detail {
namespace {

constexpr uint16_t kTypeRational = 5;

struct Endian {
  bool little = true;
  uint32_t get(const uint8_t* p, int n) const {
    uint32_t v = 0;
    for (int i = 0; i < n; ++i) v |= uint32_t(p[little ? i : n - 1 - i]) << (8 * i);
    return v;
  }
  void put32(uint8_t* p, uint32_t v) const {
    for (int i = 0; i < 4; ++i) p[little ? i : 3 - i] = static_cast<uint8_t>(v >> (8 * i));
  }
};

}  // namespace

std::pair<uint32_t, uint32_t> best_rational(double v, uint32_t max_den) {
  if (!(v > 0) || !std::isfinite(v)) return {0, 1};
  if (v >= 4294967295.0) return {4294967295u, 1};
  // Convergents h/k of the continued fraction of v; stop before k exceeds max_den.
  uint64_t h0 = 0, h1 = 1, k0 = 1, k1 = 0;
  double x = v;
  for (int i = 0; i < 64; ++i) {
    const double a = std::floor(x);
    const uint64_t ai = static_cast<uint64_t>(a);
    const uint64_t h2 = ai * h1 + h0, k2 = ai * k1 + k0;
    if (k2 > max_den || h2 > 4294967295u) break;
    h0 = h1, h1 = h2, k0 = k1, k1 = k2;
    const double frac = x - a;
    if (frac < 1e-9 || std::fabs(double(h1) / double(k1) - v) <= v * 1e-12) break;
    x = 1.0 / frac;
  }
  if (k1 == 0) return {static_cast<uint32_t>(std::lround(v)), 1};
  return {static_cast<uint32_t>(h1), static_cast<uint32_t>(k1)};
}

Status rewrite_rationals(std::vector<uint8_t>& tiff, uint64_t ifd_offset,
                         const std::vector<RationalValue>& values) {
  if (tiff.size() < 8 ||
      !((tiff[0] == 'I' && tiff[1] == 'I') || (tiff[0] == 'M' && tiff[1] == 'M')))
    return make_error(Errc::internal, "not a TIFF buffer");
  const Endian e{tiff[0] == 'I'};
  if (ifd_offset + 2 > tiff.size())
    return make_error(Errc::internal, "IFD offset {} beyond the {} byte file", ifd_offset,
                      tiff.size());
  const uint32_t n = e.get(&tiff[ifd_offset], 2);
  if (ifd_offset + 2 + uint64_t(n) * 12 > tiff.size())
    return make_error(Errc::internal, "IFD at {} runs past the end of the file", ifd_offset);
  for (uint32_t i = 0; i < n; ++i) {
    const uint8_t* entry = &tiff[ifd_offset + 2 + uint64_t(i) * 12];
    const auto tag = static_cast<uint16_t>(e.get(entry, 2));
    for (const auto& rv : values) {
      if (rv.tag != tag) continue;
      if (e.get(entry + 2, 2) != kTypeRational || e.get(entry + 4, 4) != 1)
        return make_error(Errc::internal, "tag {} is not a single RATIONAL", tag);
      const uint64_t off = e.get(entry + 8, 4);
      if (off + 8 > tiff.size())
        return make_error(Errc::internal, "tag {} value offset {} out of range", tag, off);
      const auto [num, den] = best_rational(rv.value);
      e.put32(&tiff[off], num);
      e.put32(&tiff[off + 4], den);
    }
  }
  return ok_status();
}

}  // namespace tb::hal::dng::detail
