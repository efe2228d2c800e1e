// The sim sensor's dust: a fixed set of soft dark specks, the ground truth that
// `tetherbox dustmap` is measured against.
#include <algorithm>
#include <cmath>

#include "sim_random.hpp"
#include "tetherbox/hal/sim/sim.hpp"

namespace tb::hal::sim {

std::vector<DustSpeck> dust_specks(const config::Config& cfg) {
  std::vector<DustSpeck> out;
  if (!cfg.camera.sim.dust) return out;
  const int w = std::max(1, cfg.camera.sim.width), h = std::max(1, cfg.camera.sim.height);
  const uint64_t ds = stream_seed(cfg.camera.sim.seed, Stream::dust);
  constexpr int kSpecks = 7;
  for (int i = 0; i < kSpecks; ++i)
    out.push_back({hash_unit(ds, i, 0) * w, hash_unit(ds, i, 1) * h,
                   (0.004 + 0.012 * hash_unit(ds, i, 2)) * w + 1.5,
                   0.25 + 0.35 * hash_unit(ds, i, 3)});
  return out;
}

void apply_dust(const std::vector<DustSpeck>& specks, int w, int h,
                std::vector<float>& transmission) {
  transmission.assign(static_cast<size_t>(w) * h, 1.0f);
  for (const auto& s : specks) {
    const int x0 = std::max(0, static_cast<int>(s.x - 3 * s.radius));
    const int x1 = std::min(w - 1, static_cast<int>(s.x + 3 * s.radius));
    const int y0 = std::max(0, static_cast<int>(s.y - 3 * s.radius));
    const int y1 = std::min(h - 1, static_cast<int>(s.y + 3 * s.radius));
    for (int y = y0; y <= y1; ++y)
      for (int x = x0; x <= x1; ++x) {
        const double dx = (x + 0.5 - s.x) / s.radius, dy = (y + 0.5 - s.y) / s.radius;
        const double shade = 1.0 - s.depth * std::exp(-(dx * dx + dy * dy));
        transmission[static_cast<size_t>(y) * w + x] *= static_cast<float>(shade);
      }
  }
}

}  // namespace tb::hal::sim
