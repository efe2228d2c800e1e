#include "tetherbox/capture/resume_config.hpp"

namespace tb::capture {
namespace {

struct Diff {
  std::vector<std::string> keys;
  template <typename T>
  void check(const char* key, const T& a, const T& b) {
    if (!(a == b)) keys.emplace_back(key);
  }
};

// Lights without their wiring: a light moved to another GPIO line is the same light.
bool same_lights(const std::vector<config::Light>& a, const std::vector<config::Light>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const auto& x = a[i];
    const auto& y = b[i];
    if (x.name != y.name || x.colour_temp_k != y.colour_temp_k || x.azimuth_deg != y.azimuth_deg ||
        x.elevation_deg != y.elevation_deg || x.intensity != y.intensity)
      return false;
  }
  return true;
}

}  // namespace

std::vector<std::string> data_differences(const config::Config& bag, const config::Config& given) {
  Diff d;
  d.check("session.name", bag.session.name, given.session.name);
  d.check("session.mode", bag.session.mode, given.session.mode);
  d.check("session.max_brackets", bag.session.max_brackets, given.session.max_brackets);
  d.check("camera.backend", bag.camera.backend, given.camera.backend);
  d.check("camera.exposure.shutter", bag.camera.exposure.shutter_s,
          given.camera.exposure.shutter_s);
  d.check("camera.exposure.aperture", bag.camera.exposure.aperture, given.camera.exposure.aperture);
  d.check("camera.exposure.iso", bag.camera.exposure.iso, given.camera.exposure.iso);
  d.check("camera.format", bag.camera.format, given.camera.format);
  d.check("camera.sim.width", bag.camera.sim.width, given.camera.sim.width);
  d.check("camera.sim.height", bag.camera.sim.height, given.camera.sim.height);
  d.check("camera.sim.dust", bag.camera.sim.dust, given.camera.sim.dust);
  d.check("camera.sim.seed", bag.camera.sim.seed, given.camera.sim.seed);
  d.check("lens", bag.lens, given.lens);
  d.check("orbit", bag.orbit, given.orbit);
  d.check("turntable.step_deg", bag.turntable.step_deg, given.turntable.step_deg);
  if (!same_lights(bag.lighting.lights, given.lighting.lights))
    d.keys.emplace_back("lighting.lights");
  d.check("lighting.presets", bag.lighting.presets, given.lighting.presets);
  d.check("brackets.ev", bag.brackets.ev, given.brackets.ev);
  d.check("storage.name_template", bag.storage.name_template, given.storage.name_template);
  d.check("storage.previews", bag.storage.previews, given.storage.previews);
  d.check("metadata.creator", bag.metadata.creator, given.metadata.creator);
  d.check("metadata.copyright", bag.metadata.copyright, given.metadata.copyright);
  d.check("metadata.project", bag.metadata.project, given.metadata.project);
  return d.keys;
}

}  // namespace tb::capture
