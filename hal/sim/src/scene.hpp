#pragma once
// The turntable scene: procedural textures (generated once per seed) and the geometry taken
// from the config. World frame: y up, turntable axis = y axis, disc top at y = 0; the camera at
// azimuth 0 looks from +z towards -z.
#include <cstdint>
#include <memory>
#include <vector>

#include "tetherbox/config/config.hpp"

namespace tb::hal::sim {

// Linear albedo in [0, 1], 3 channels per texel, row-major, 16 bits a channel: as floats the
// four textures were 43 MB, most of tetherboxd's memory; a 1/65535 step is far below what the
// sensor model's noise and 12-bit RAW can show.
struct Texture {
  static constexpr float kScale = 65535.0f;
  int width = 0, height = 0;
  std::vector<uint16_t> rgb;
  const uint16_t* at(int x, int y) const { return &rgb[(static_cast<size_t>(y) * width + x) * 3]; }
};

// Bilinear lookup at texel coordinates (u, v); u wraps when `wrap_u`, otherwise both clamp.
void sample(const Texture& t, float u, float v, bool wrap_u, float out[3]);

struct SceneTextures {
  Texture object_side;  // u: angle around the axis (wraps), v: top -> bottom
  Texture object_cap;   // square over [-R, R]^2 of the top cap (object frame)
  Texture disc;         // square over [-Rt, Rt]^2 of the turntable top (object frame)
  Texture backdrop;     // the wall behind, also reused (darker) for the floor
};

// Textures for a seed; generated once and shared while anyone holds them.
std::shared_ptr<const SceneTextures> textures_for_seed(uint64_t seed);

struct SceneGeometry {
  double object_radius = 0.15;  // R
  double object_height = 0.33;  // H
  double disc_radius = 0.27;    // Rt
  double base_height = 0.045;   // floor is at y = -base_height
  double backdrop_z = -1.0;     // wall plane
  double backdrop_width = 4.0;  // textured extent of the wall (and of the floor)
  double backdrop_height = 3.0;
  double look_y = 0.165;  // the camera aims at (0, look_y, 0)
  double distance = 1.0;  // camera to the look-at point
};

SceneGeometry geometry_from(const config::Config& cfg);

}  // namespace tb::hal::sim
