// Per-pixel ray casting of the turntable scene with Lambertian lights and the camera's
// exposure law. Everything that does not change per pixel is prepared once per frame.
#include <algorithm>
#include <cmath>
#include <limits>
#include <thread>

#include "scene.hpp"
#include "sim_random.hpp"
#include "tetherbox/hal/sim/sim.hpp"

namespace tb::hal::sim {
namespace {

// Chosen so that 1/125 s, f/8, ISO 100 with the default key light (intensity 1, 30 degrees
// above the camera) gives the textured subject a mean linear value near 0.18 (mid grey).
constexpr double kExposureConstant = 34.0;
constexpr float kAmbient = 0.25f;  // room light reaching every surface, unshadowed

struct V3 {
  double x = 0, y = 0, z = 0;
};
V3 operator+(V3 a, V3 b) {
  return {a.x + b.x, a.y + b.y, a.z + b.z};
}
V3 operator*(V3 a, double s) {
  return {a.x * s, a.y * s, a.z * s};
}
double dot(V3 a, V3 b) {
  return a.x * b.x + a.y * b.y + a.z * b.z;
}
V3 normalized(V3 a) {
  return a * (1.0 / std::sqrt(dot(a, a)));
}

double planck(double lambda_m, double kelvin) {
  constexpr double c2 = 1.4387769e-2;  // h c / k_B in m K
  return 1.0 / (std::pow(lambda_m, 5) * (std::exp(c2 / (lambda_m * kelvin)) - 1.0));
}

std::array<double, 3> blackbody_raw(double kelvin) {
  return {planck(610e-9, kelvin), planck(550e-9, kelvin), planck(465e-9, kelvin)};
}

struct LightDir {
  V3 dir;             // unit vector towards the light
  float colour[3]{};  // tint x intensity
};

enum class Hit { none, object_side, object_cap, disc_top, disc_side, floor, wall };

// Smallest t > eps where the ray enters the vertical cylinder of radius^2 r2 between y0 and y1.
double cylinder_t(V3 o, V3 d, double r2, double y0, double y1) {
  const double a = d.x * d.x + d.z * d.z;
  if (a < 1e-14) return -1;
  const double b = o.x * d.x + o.z * d.z;
  const double c = o.x * o.x + o.z * o.z - r2;
  const double disc = b * b - a * c;
  if (disc < 0) return -1;
  const double t = (-b - std::sqrt(disc)) / a;
  if (t <= 1e-9) return -1;
  const double y = o.y + t * d.y;
  return (y >= y0 && y <= y1) ? t : -1;
}

}  // namespace

struct Renderer::Impl {
  config::Config cfg;
  SceneGeometry geo;
  std::shared_ptr<const SceneTextures> tex;
  uint64_t noise_seed = 0;
  std::vector<float> dust;  // per-pixel transmission; empty when the sensor is clean
  bool renderable = false;

  void render_rows(const RenderRequest& req, int row0, int row1, LinearImage& out) const;
  bool object_blocks(V3 p, V3 l) const {
    const double r2 = geo.object_radius * geo.object_radius;
    if (cylinder_t(p, l, r2, 0.0, geo.object_height) > 0) return true;
    if (l.y > 1e-12) {
      const double t = (geo.object_height - p.y) / l.y;
      if (t > 1e-9) {
        const double x = p.x + t * l.x, z = p.z + t * l.z;
        if (x * x + z * z <= r2) return true;
      }
    }
    return false;
  }
};

Status check_renderable(const config::Config& cfg) {
  const int64_t w = cfg.camera.sim.width, h = cfg.camera.sim.height;
  if (w < 2 || h < 2)
    return make_error(Errc::invalid, "sim camera: image size {}x{} is too small (at least 2x2)", w,
                      h);
  if (w * h > kMaxSimPixels)
    return make_error(Errc::invalid,
                      "sim camera: camera.sim.width x height = {}x{} is {} pixels; the sim renders "
                      "at most {} (100 MP)",
                      w, h, w * h, kMaxSimPixels);
  if (cfg.camera.format != "raw" && (w > kMaxJpegSide || h > kMaxJpegSide))
    return make_error(Errc::invalid,
                      "sim camera: camera.sim image size {}x{} is larger than a JPEG can be ({} "
                      "pixels a side)",
                      w, h, kMaxJpegSide);
  const double d = cfg.orbit.subject_distance_m, r = cfg.orbit.subject_radius_m;
  if (!std::isfinite(d) || !(d > 0) || d > 1e6)
    return make_error(Errc::invalid,
                      "sim camera: orbit.subject_distance_m {} cannot be rendered; expected a "
                      "distance in metres up to 1e6",
                      d);
  if (!std::isfinite(r) || r < 0 || r > 1e6)
    return make_error(Errc::invalid,
                      "sim camera: orbit.subject_radius_m {} cannot be rendered; expected a "
                      "radius in metres up to 1e6",
                      r);
  const SceneGeometry g = geometry_from(cfg);
  // From closer than this the camera would sit inside the subject at some elevation (the
  // farthest point of the cylinder from the look-at point is sqrt(R^2 + (H/2)^2)).
  const double min_d = std::hypot(g.object_radius, g.object_height / 2) * 1.01;
  if (d < min_d)
    return make_error(
        Errc::invalid,
        "sim camera: orbit.subject_distance_m {} m puts the camera inside the "
        "simulated subject (radius {} m, height {} m); the sim needs at least {:.3g} m",
        d, g.object_radius, g.object_height, min_d);
  return ok_status();
}

Renderer::Renderer(const config::Config& cfg) : impl_(std::make_unique<Impl>()) {
  impl_->cfg = cfg;
  impl_->renderable = check_renderable(cfg).ok();
  if (!impl_->renderable) return;
  impl_->geo = geometry_from(cfg);
  impl_->tex = textures_for_seed(cfg.camera.sim.seed);
  impl_->noise_seed = stream_seed(cfg.camera.sim.seed, Stream::noise);
  const int w = std::max(1, cfg.camera.sim.width), h = std::max(1, cfg.camera.sim.height);
  if (cfg.camera.sim.dust) apply_dust(dust_specks(cfg), w, h, impl_->dust);
}

Renderer::~Renderer() = default;

void Renderer::Impl::render_rows(const RenderRequest& req, int row0, int row1,
                                 LinearImage& out) const {
  const int w = out.width, h = out.height;
  const double el = req.pose.elevation_deg * M_PI / 180.0;
  const double az = req.pose.azimuth_deg * M_PI / 180.0;
  const double ca = std::cos(az), sa = std::sin(az);
  const V3 cam{0.0, geo.look_y + geo.distance * std::sin(el), geo.distance * std::cos(el)};
  const V3 fwd{0.0, -std::sin(el), -std::cos(el)};
  const V3 right{1.0, 0.0, 0.0};
  const V3 up{0.0, std::cos(el), -std::sin(el)};
  const double f = cfg.lens.focal_length_mm;
  const double sw = cfg.lens.sensor_width_mm, sh = cfg.lens.sensor_height_mm;

  std::vector<LightDir> lights;
  for (const auto& l : cfg.lighting.lights) {
    if (!req.lights_on.contains(l.name)) continue;
    const double la = l.azimuth_deg * M_PI / 180.0, le = l.elevation_deg * M_PI / 180.0;
    LightDir ld;
    ld.dir = {std::sin(la) * std::cos(le), std::sin(le), std::cos(la) * std::cos(le)};
    const auto tint = blackbody_rgb(l.colour_temp_k);
    for (int c = 0; c < 3; ++c) ld.colour[c] = static_cast<float>(tint[c] * l.intensity);
    lights.push_back(ld);
  }
  const float gain = static_cast<float>(exposure_gain(req.exposure));

  const double R = geo.object_radius, R2 = R * R, H = geo.object_height;
  const double Rt = geo.disc_radius, Rt2 = Rt * Rt, hb = geo.base_height;
  const double bz = geo.backdrop_z, bw = geo.backdrop_width, bh = geo.backdrop_height;
  const SceneTextures& t = *tex;
  const float side_w = static_cast<float>(t.object_side.width);
  const float side_h = static_cast<float>(t.object_side.height);

  for (int j = row0; j < row1; ++j) {
    const double ys = (0.5 - (j + 0.5) / h) * sh;
    const V3 row_dir = fwd * f + up * ys;
    float* px = &out.rgb[static_cast<size_t>(j) * w * 3];
    for (int i = 0; i < w; ++i, px += 3) {
      const double xs = ((i + 0.5) / w - 0.5) * sw;
      const V3 d = normalized(row_dir + right * xs);

      double best = std::numeric_limits<double>::infinity();
      Hit hit = Hit::none;
      if (double tc = cylinder_t(cam, d, R2, 0.0, H); tc > 0) {
        best = tc;
        hit = Hit::object_side;
      }
      if (std::fabs(d.y) > 1e-12) {
        const double tcap = (H - cam.y) / d.y;
        if (tcap > 0 && tcap < best) {
          const double x = cam.x + tcap * d.x, z = cam.z + tcap * d.z;
          if (x * x + z * z <= R2) {
            best = tcap;
            hit = Hit::object_cap;
          }
        }
        const double ttop = -cam.y / d.y;
        if (ttop > 0 && ttop < best) {
          const double x = cam.x + ttop * d.x, z = cam.z + ttop * d.z;
          if (x * x + z * z <= Rt2) {
            best = ttop;
            hit = Hit::disc_top;
          }
        }
      }
      if (double ts = cylinder_t(cam, d, Rt2, -hb, 0.0); ts > 0 && ts < best) {
        best = ts;
        hit = Hit::disc_side;
      }
      if (d.y < 0) {
        const double tf = (-hb - cam.y) / d.y;
        if (tf > 0 && tf < best && cam.z + tf * d.z > bz) {
          best = tf;
          hit = Hit::floor;
        }
      }
      if (d.z < 0) {
        const double tw = (bz - cam.z) / d.z;
        if (tw > 0 && tw < best && cam.y + tw * d.y >= -hb) {
          best = tw;
          hit = Hit::wall;
        }
      }

      float albedo[3] = {0.3f, 0.3f, 0.3f};
      V3 n{0, 1, 0};
      const V3 p = hit == Hit::none ? cam : cam + d * best;
      bool can_be_shadowed = true;
      switch (hit) {
        case Hit::object_side: {
          n = {p.x / R, 0, p.z / R};
          const double phi = std::atan2(p.x, p.z) - az;
          sample(t.object_side, static_cast<float>(phi * (0.5 / M_PI)) * side_w,
                 static_cast<float>((H - p.y) / H) * side_h, true, albedo);
          can_be_shadowed = false;  // convex: n.l covers self-shadowing
          break;
        }
        case Hit::object_cap:
        case Hit::disc_top: {
          const bool cap = hit == Hit::object_cap;
          const Texture& tx = cap ? t.object_cap : t.disc;
          const double rr = cap ? R : Rt;
          const double xo = p.x * ca - p.z * sa, zo = p.x * sa + p.z * ca;
          sample(tx, static_cast<float>((xo / rr * 0.5 + 0.5) * tx.width),
                 static_cast<float>((zo / rr * 0.5 + 0.5) * tx.height), false, albedo);
          can_be_shadowed = !cap;
          break;
        }
        case Hit::disc_side: {
          n = {p.x / Rt, 0, p.z / Rt};
          const double phi = std::atan2(p.x, p.z) - az;
          const double stripe = std::fmod(phi * 36.0 / (2 * M_PI) + 3600.0, 1.0);
          const float a = stripe < 0.5 ? 0.10f : 0.16f;
          albedo[0] = albedo[1] = albedo[2] = a;
          break;
        }
        case Hit::floor:
          sample(t.backdrop, static_cast<float>((p.x / bw + 0.5) * t.backdrop.width),
                 static_cast<float>((p.z - bz) / bh * t.backdrop.height), false, albedo);
          for (float& a : albedo) a *= 0.6f;
          break;
        case Hit::wall:
          n = {0, 0, 1};
          sample(t.backdrop, static_cast<float>((p.x / bw + 0.5) * t.backdrop.width),
                 static_cast<float>((1.0 - (p.y + hb) / bh) * t.backdrop.height), false, albedo);
          break;
        case Hit::none:
          break;
      }

      float irr[3] = {kAmbient, kAmbient, kAmbient};
      for (const auto& l : lights) {
        const double ndl = dot(n, l.dir);
        if (ndl <= 0) continue;
        if (can_be_shadowed && hit != Hit::none && object_blocks(p, l.dir)) continue;
        for (int c = 0; c < 3; ++c) irr[c] += l.colour[c] * static_cast<float>(ndl);
      }

      const size_t idx = static_cast<size_t>(j) * w + i;
      const float transmission = dust.empty() ? 1.0f : dust[idx];
      uint64_t bits = req.noise ? hash3(noise_seed, req.frame_index, idx) : 0;
      for (int c = 0; c < 3; ++c) {
        float v = albedo[c] * irr[c] * gain * transmission;
        if (req.noise) {
          // Triangular noise from two 10-bit uniforms; read noise plus a little shot noise.
          const float u =
              static_cast<float>((bits & 1023) + ((bits >> 10) & 1023)) / 1023.0f - 1.0f;
          bits >>= 20;
          const float sigma = 0.0015f + 0.004f * std::sqrt(std::max(v, 0.0f));
          v += u * sigma * 2.449f;
          v = std::max(v, 0.0f);
        }
        if (!(v >= 0.0f)) v = 0.0f;  // NaN from extreme inputs (inf exposure x zero noise)
        if (req.clip) v = std::min(v, 1.0f);
        px[c] = v;
      }
    }
  }
}

LinearImage Renderer::render(const RenderRequest& req) const {
  LinearImage out;
  if (!impl_->renderable) return out;
  out.width = impl_->cfg.camera.sim.width;
  out.height = impl_->cfg.camera.sim.height;
  out.rgb.resize(static_cast<size_t>(out.width) * out.height * 3);
  // Two bands on two cores; each writes only its own rows.
  if (out.height >= 64) {
    const int mid = out.height / 2;
    std::thread other([&] { impl_->render_rows(req, mid, out.height, out); });
    impl_->render_rows(req, 0, mid, out);
    other.join();
  } else {
    impl_->render_rows(req, 0, out.height, out);
  }
  return out;
}

double exposure_gain(const ExposureSettings& e) {
  const double iso = e.iso > 0 ? e.iso : 100.0;
  const double n = e.aperture > 0 ? e.aperture : 8.0;
  return kExposureConstant * e.shutter_s * iso / (n * n);
}

std::array<double, 3> blackbody_rgb(double kelvin) {
  kelvin = std::clamp(kelvin, 1000.0, 40000.0);
  const auto raw = blackbody_raw(kelvin), ref = blackbody_raw(6500.0);
  std::array<double, 3> rgb{raw[0] / ref[0], raw[1] / ref[1], raw[2] / ref[2]};
  const double y = 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];
  for (double& c : rgb) c /= y;
  return rgb;
}

double LinearImage::mean() const {
  if (rgb.empty()) return 0.0;
  double s = 0;
  for (float v : rgb) s += v;
  return s / static_cast<double>(rgb.size());
}

std::array<double, 3> LinearImage::channel_means() const {
  std::array<double, 3> s{0, 0, 0};
  for (size_t i = 0; i + 2 < rgb.size(); i += 3)
    for (int c = 0; c < 3; ++c) s[c] += rgb[i + c];
  const double n = std::max<double>(1.0, static_cast<double>(rgb.size() / 3));
  for (double& v : s) v /= n;
  return s;
}

}  // namespace tb::hal::sim
