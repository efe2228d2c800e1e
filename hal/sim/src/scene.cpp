#include "scene.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <mutex>

#include <malloc.h>

#include "sim_random.hpp"

namespace tb::hal::sim {
namespace {

// A texture while it is drawn: floats, so the layers blend without rounding; packed to 16 bits
// once done.
struct Canvas {
  int width = 0, height = 0;
  std::vector<float> rgb;
  float* at(int x, int y) { return &rgb[(static_cast<size_t>(y) * width + x) * 3]; }
};

Texture pack(const Canvas& c) {
  Texture t;
  t.width = c.width;
  t.height = c.height;
  t.rgb.resize(c.rgb.size());
  for (size_t i = 0; i < c.rgb.size(); ++i)
    t.rgb[i] =
        static_cast<uint16_t>(std::lround(std::clamp(c.rgb[i], 0.0f, 1.0f) * Texture::kScale));
  return t;
}

Canvas blank(int w, int h, float r, float g, float b) {
  Canvas t;
  t.width = w;
  t.height = h;
  t.rgb.resize(static_cast<size_t>(w) * h * 3);
  for (size_t i = 0; i < t.rgb.size(); i += 3) {
    t.rgb[i] = r;
    t.rgb[i + 1] = g;
    t.rgb[i + 2] = b;
  }
  return t;
}

float smooth(float f) {
  return f * f * (3.0f - 2.0f * f);
}

// One octave of value noise: random values on a lattice of `cell` texels, smoothly
// interpolated. Each channel gets its own lattice, so the noise is coloured. `chroma` < 1 mixes
// the channels towards a common value (less colourful).
void add_value_noise(Canvas& t, uint64_t seed, int cell, float amp, float chroma, bool wrap_u) {
  const int gw = wrap_u ? std::max(1, t.width / cell) : t.width / cell + 2;
  const int gh = t.height / cell + 2;
  std::vector<float> grid(static_cast<size_t>(gw) * gh * 3);
  for (int gy = 0; gy < gh; ++gy)
    for (int gx = 0; gx < gw; ++gx) {
      const double common = hash_unit(seed, static_cast<uint64_t>(gy) * 65536 + gx, 99) * 2 - 1;
      for (int c = 0; c < 3; ++c) {
        const double own = hash_unit(seed, static_cast<uint64_t>(gy) * 65536 + gx, c) * 2 - 1;
        grid[(static_cast<size_t>(gy) * gw + gx) * 3 + c] =
            static_cast<float>(chroma * own + (1 - chroma) * common);
      }
    }
  // Wrapped lattices stretch a little so whole cells span exactly the width.
  const float sx = wrap_u ? static_cast<float>(gw) / static_cast<float>(t.width) : 1.0f / cell;
  const float sy = 1.0f / cell;
  for (int y = 0; y < t.height; ++y) {
    const float fy = static_cast<float>(y) * sy;
    const int y0 = static_cast<int>(fy);
    const float wy = smooth(fy - static_cast<float>(y0));
    for (int x = 0; x < t.width; ++x) {
      const float fx = static_cast<float>(x) * sx;
      const int x0 = static_cast<int>(fx);
      const float wx = smooth(fx - static_cast<float>(x0));
      const int x1 = wrap_u ? (x0 + 1) % gw : x0 + 1;
      const float* g00 = &grid[(static_cast<size_t>(y0) * gw + x0) * 3];
      const float* g01 = &grid[(static_cast<size_t>(y0) * gw + x1) * 3];
      const float* g10 = &grid[(static_cast<size_t>(y0 + 1) * gw + x0) * 3];
      const float* g11 = &grid[(static_cast<size_t>(y0 + 1) * gw + x1) * 3];
      float* p = t.at(x, y);
      for (int c = 0; c < 3; ++c) {
        const float top = g00[c] + (g01[c] - g00[c]) * wx;
        const float bot = g10[c] + (g11[c] - g10[c]) * wx;
        p[c] += amp * (top + (bot - top) * wy);
      }
    }
  }
}

struct Rng {
  uint64_t seed;
  uint64_t n = 0;
  double next() { return hash_unit(seed, n++, 7); }
  double range(double lo, double hi) { return lo + (hi - lo) * next(); }
};

void random_colour(Rng& rng, float out[3]) {
  // Saturated colours: one channel high, one low, one anywhere.
  const int hi = static_cast<int>(rng.next() * 3);
  const int lo = (hi + 1 + static_cast<int>(rng.next() * 2)) % 3;
  for (int c = 0; c < 3; ++c) out[c] = static_cast<float>(rng.range(0.15, 0.6));
  out[hi] = static_cast<float>(rng.range(0.6, 0.9));
  out[lo] = static_cast<float>(rng.range(0.02, 0.12));
}

void blend(float* p, const float c[3], float a) {
  for (int k = 0; k < 3; ++k) p[k] += (c[k] - p[k]) * a;
}

// Soft-edged ellipses of random colour.
void add_blobs(Canvas& t, uint64_t seed, int count, double rmin, double rmax, float alpha_max,
               bool wrap_u) {
  Rng rng{seed};
  for (int i = 0; i < count; ++i) {
    const double cx = rng.range(0, t.width), cy = rng.range(0, t.height);
    const double rx = rng.range(rmin, rmax), ry = rx * rng.range(0.5, 1.5);
    float col[3];
    random_colour(rng, col);
    const float alpha = static_cast<float>(rng.range(0.5, 1.0)) * alpha_max;
    const int x0 = static_cast<int>(std::floor(cx - rx - 1)), x1 = static_cast<int>(cx + rx + 1);
    const int y0 = std::max(0, static_cast<int>(cy - ry - 1));
    const int y1 = std::min(t.height - 1, static_cast<int>(cy + ry + 1));
    for (int y = y0; y <= y1; ++y)
      for (int xr = x0; xr <= x1; ++xr) {
        int x = xr;
        if (wrap_u)
          x = ((x % t.width) + t.width) % t.width;
        else if (x < 0 || x >= t.width)
          continue;
        const double dx = (xr + 0.5 - cx) / rx, dy = (y + 0.5 - cy) / ry;
        const double d = std::sqrt(dx * dx + dy * dy);
        const double w = std::clamp((1.0 - d) * 6.0, 0.0, 1.0);
        if (w > 0) blend(t.at(x, y), col, alpha * static_cast<float>(w));
      }
  }
}

// Blocky random 5x7 glyphs: letter-like marks with sharp corners, good for feature matching.
void add_glyphs(Canvas& t, uint64_t seed, int count, int smin, int smax, bool wrap_u) {
  Rng rng{seed};
  for (int i = 0; i < count; ++i) {
    const int s = smin + static_cast<int>(rng.next() * (smax - smin + 1));
    const int gx = static_cast<int>(rng.range(0, t.width)),
              gy = static_cast<int>(rng.range(0, t.height - 7 * s));
    const bool dark = rng.next() < 0.5;
    float col[3];
    random_colour(rng, col);
    if (dark)
      for (float& c : col) c *= 0.15f;
    const uint64_t bits = hash3(seed, static_cast<uint64_t>(i), 12345);
    for (int cy = 0; cy < 7; ++cy)
      for (int cx = 0; cx < 5; ++cx) {
        if (((bits >> (cy * 5 + cx)) & 1ULL) == 0) continue;
        for (int y = gy + cy * s; y < gy + (cy + 1) * s; ++y)
          for (int xr = gx + cx * s; xr < gx + (cx + 1) * s; ++xr) {
            int x = xr;
            if (wrap_u)
              x %= t.width;
            else if (x >= t.width)
              continue;
            if (y < 0 || y >= t.height) continue;
            blend(t.at(x, y), col, 0.95f);
          }
      }
  }
}

void clamp_albedo(Canvas& t, float lo, float hi) {
  for (float& v : t.rgb) v = std::clamp(v, lo, hi);
}

SceneTextures build(uint64_t seed) {
  const uint64_t s = stream_seed(seed, Stream::texture);
  SceneTextures st;

  {
    Canvas t = blank(2048, 720, 0.42f, 0.40f, 0.38f);
    const int cells[] = {256, 64, 16, 4};
    const float amps[] = {0.16f, 0.12f, 0.10f, 0.08f};
    for (int i = 0; i < 4; ++i)
      add_value_noise(t, mix64(s + 10 + i), cells[i], amps[i], 0.7f, true);
    add_blobs(t, mix64(s + 20), 420, 5, 45, 0.9f, true);
    add_glyphs(t, mix64(s + 21), 260, 2, 6, true);
    clamp_albedo(t, 0.03f, 0.9f);
    st.object_side = pack(t);  // one texture's floats at a time
  }

  {
    Canvas t = blank(512, 512, 0.45f, 0.42f, 0.40f);
    add_value_noise(t, mix64(s + 30), 64, 0.15f, 0.7f, false);
    add_value_noise(t, mix64(s + 31), 8, 0.07f, 0.7f, false);
    add_blobs(t, mix64(s + 32), 60, 4, 30, 0.9f, false);
    add_glyphs(t, mix64(s + 33), 30, 2, 4, false);
    clamp_albedo(t, 0.03f, 0.9f);
    st.object_cap = pack(t);
  }

  {
    Canvas t = blank(1024, 1024, 0.26f, 0.26f, 0.27f);
    add_value_noise(t, mix64(s + 40), 128, 0.06f, 0.3f, false);
    add_value_noise(t, mix64(s + 41), 16, 0.05f, 0.3f, false);
    add_value_noise(t, mix64(s + 42), 4, 0.03f, 0.2f, false);
    // Degree marks every 10 degrees near the rim, longer every 90: a turntable scale.
    const float mark[3] = {0.85f, 0.85f, 0.8f};
    const double c = t.width / 2.0;
    for (int y = 0; y < t.height; ++y)
      for (int x = 0; x < t.width; ++x) {
        const double dx = x + 0.5 - c, dy = y + 0.5 - c, r = std::sqrt(dx * dx + dy * dy) / c;
        if (r > 1.0 || r < 0.8) continue;
        const double deg = std::atan2(dy, dx) * 180.0 / M_PI + 360.0;
        const double off = std::fabs(std::fmod(deg + 5.0, 10.0) - 5.0) * M_PI / 180.0 * r * c;
        const bool major = std::fabs(std::fmod(deg + 45.0, 90.0) - 45.0) < 5.0;
        if (off < 1.5 && (r > 0.9 || major)) blend(t.at(x, y), mark, 0.9f);
      }
    add_blobs(t, mix64(s + 43), 120, 4, 25, 0.7f, false);
    add_glyphs(t, mix64(s + 44), 40, 2, 4, false);
    clamp_albedo(t, 0.03f, 0.9f);
    st.disc = pack(t);
  }

  {
    Canvas t = blank(1024, 768, 0.50f, 0.52f, 0.55f);
    add_value_noise(t, mix64(s + 50), 128, 0.05f, 0.3f, false);
    add_value_noise(t, mix64(s + 51), 32, 0.03f, 0.3f, false);
    add_value_noise(t, mix64(s + 52), 8, 0.02f, 0.2f, false);
    add_blobs(t, mix64(s + 53), 40, 6, 40, 0.12f, false);
    clamp_albedo(t, 0.03f, 0.9f);
    st.backdrop = pack(t);
  }
  return st;
}

}  // namespace

void sample(const Texture& t, float u, float v, bool wrap_u, float out[3]) {
  // Rays from extreme configs (a camera 1e308 m away, a NaN pose) give NaN or huge texel
  // coordinates; a texel index must never come from them.
  if (!std::isfinite(u)) u = 0.0f;
  if (!std::isfinite(v)) v = 0.0f;
  u -= 0.5f;
  v -= 0.5f;
  const float hmax = static_cast<float>(t.height - 1);
  v = std::clamp(v, 0.0f, hmax);
  int x0, x1;
  float fx;
  if (wrap_u) {
    const float w = static_cast<float>(t.width);
    u = std::fmod(u, w);
    if (u < 0.0f) u += w;
    if (!(u >= 0.0f && u < w)) u = 0.0f;  // rounding at the edges of the float range
    x0 = static_cast<int>(u);
    fx = u - static_cast<float>(x0);
    if (x0 >= t.width) x0 = 0;
    x1 = x0 + 1 == t.width ? 0 : x0 + 1;
  } else {
    u = std::clamp(u, 0.0f, static_cast<float>(t.width - 1));
    x0 = static_cast<int>(u);
    fx = u - static_cast<float>(x0);
    x1 = std::min(x0 + 1, t.width - 1);
  }
  const int y0 = static_cast<int>(v);
  const float fy = v - static_cast<float>(y0);
  const int y1 = std::min(y0 + 1, t.height - 1);
  const uint16_t* a = t.at(x0, y0);
  const uint16_t* b = t.at(x1, y0);
  const uint16_t* c = t.at(x0, y1);
  const uint16_t* d = t.at(x1, y1);
  constexpr float kUnit = 1.0f / Texture::kScale;
  for (int k = 0; k < 3; ++k) {
    const float fa = a[k], fb = b[k], fc = c[k], fd = d[k];
    const float top = fa + (fb - fa) * fx;
    const float bot = fc + (fd - fc) * fx;
    out[k] = (top + (bot - top) * fy) * kUnit;
  }
}

std::shared_ptr<const SceneTextures> textures_for_seed(uint64_t seed) {
  static std::mutex mu;
  static std::map<uint64_t, std::weak_ptr<const SceneTextures>> cache;
  std::lock_guard lock(mu);
  auto& slot = cache[seed];
  if (auto alive = slot.lock()) return alive;
  auto made = std::make_shared<const SceneTextures>(build(seed));
  slot = made;
  // The drawing canvases (twice the textures' size) are freed but stay in the heap the
  // allocator keeps: hand them back, or the daemon carries them for its whole life.
  malloc_trim(0);
  return made;
}

SceneGeometry geometry_from(const config::Config& cfg) {
  SceneGeometry g;
  const double r = cfg.orbit.subject_radius_m > 0 ? cfg.orbit.subject_radius_m : 0.15;
  g.object_radius = r;
  g.object_height = 2.2 * r;
  g.disc_radius = 1.8 * r;
  g.base_height = 0.3 * r;
  g.look_y = g.object_height / 2;
  // Exactly the distance the pose exports use: the images and the exported poses agree.
  g.distance = cfg.orbit.subject_distance_m;
  g.backdrop_z = -std::max(g.distance, 3.0 * r);
  g.backdrop_width = 4.0 * g.distance + 4.0 * r;
  g.backdrop_height = 3.0 * g.distance + 2.0 * r;
  return g;
}

}  // namespace tb::hal::sim
