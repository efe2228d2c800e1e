#pragma once
// Counter-based pseudo-random numbers: every draw is a pure function of (seed, indices), so the
// sim board gives the same images and faults whatever order things run in.
#include <cstdint>

namespace tb::hal::sim {

inline uint64_t mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

inline uint64_t hash3(uint64_t a, uint64_t b, uint64_t c = 0) {
  return mix64(a ^ mix64(b ^ mix64(c)));
}

// Uniform in [0, 1).
inline double unit_from(uint64_t h) {
  return static_cast<double>(h >> 11) * 0x1.0p-53;
}

inline double hash_unit(uint64_t a, uint64_t b, uint64_t c = 0) {
  return unit_from(hash3(a, b, c));
}

// Domain tags so different devices never draw the same numbers from one seed.
enum class Stream : uint64_t {
  texture = 1,
  noise = 2,
  busy = 3,
  ambient = 4,
  gps = 5,
  dust = 6,
  serial = 7,
};

inline uint64_t stream_seed(uint64_t seed, Stream s) {
  return mix64(seed * 0x100000001b3ULL ^ static_cast<uint64_t>(s));
}

}  // namespace tb::hal::sim
