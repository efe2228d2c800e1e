#include "libcamera_compat.hpp"

#include <libcamera/version.h>

#include <array>
#include <string_view>

#define TB_LIBCAMERA_AT_LEAST(maj, min) \
  (LIBCAMERA_VERSION_MAJOR > (maj) ||   \
   (LIBCAMERA_VERSION_MAJOR == (maj) && LIBCAMERA_VERSION_MINOR >= (min)))

namespace tb::hal::libcamera_backend::compat {

namespace lc = libcamera;

std::string version_string() {
  return std::to_string(LIBCAMERA_VERSION_MAJOR) + "." + std::to_string(LIBCAMERA_VERSION_MINOR) +
         "." + std::to_string(LIBCAMERA_VERSION_PATCH);
}

std::unique_ptr<lc::CameraConfiguration> generate_configuration(
    lc::Camera& camera, const std::vector<lc::StreamRole>& roles) {
#if TB_LIBCAMERA_AT_LEAST(0, 1)
  return camera.generateConfiguration(lc::Span<const lc::StreamRole>(roles.data(), roles.size()));
#else
  return camera.generateConfiguration(lc::StreamRoles(roles.begin(), roles.end()));
#endif
}

// Not a version check: Raspberry Pi's 0.1.0+rpt builds already replaced `transform` with
// `orientation` (upstream did so in 0.2), and the header arrived with the member in both.
#if __has_include(<libcamera/orientation.h>)
#define TB_LIBCAMERA_HAS_ORIENTATION 1
#else
#define TB_LIBCAMERA_HAS_ORIENTATION 0
#endif

void set_native_orientation(lc::CameraConfiguration& config) {
#if TB_LIBCAMERA_HAS_ORIENTATION
  config.orientation = lc::Orientation::Rotate0;
#else
  config.transform = lc::Transform::Identity;
#endif
}

void set_manual_exposure(lc::ControlList& controls, int32_t exposure_us, float gain) {
  controls.set(lc::controls::AeEnable, false);
#if TB_LIBCAMERA_AT_LEAST(0, 5)
  controls.set(lc::controls::ExposureTimeMode, lc::controls::ExposureTimeModeManual);
  controls.set(lc::controls::AnalogueGainMode, lc::controls::AnalogueGainModeManual);
#endif
  controls.set(lc::controls::ExposureTime, exposure_us);
  controls.set(lc::controls::AnalogueGain, gain);
}

void set_fixed_white_balance(lc::ControlList& controls, float red, float blue) {
  controls.set(lc::controls::AwbEnable, false);
  const std::array<float, 2> gains = {red, blue};
  controls.set(lc::controls::ColourGains, lc::Span<const float, 2>(gains));
}

std::optional<bool> ae_quiescent(const lc::ControlList& metadata) {
#if TB_LIBCAMERA_AT_LEAST(0, 5)
  const auto state = metadata.get(lc::controls::AeState);
  if (!state) return std::nullopt;
  return *state != lc::controls::AeStateSearching;
#else
  const auto locked = metadata.get(lc::controls::AeLocked);
  if (!locked) return std::nullopt;
  return *locked;
#endif
}

std::string camera_model(const lc::Camera& camera) {
#if TB_LIBCAMERA_AT_LEAST(0, 6)
  const std::optional<std::string_view> model = camera.properties().get(lc::properties::Model);
#else
  const std::optional<std::string> model = camera.properties().get(lc::properties::Model);
#endif
  return model ? std::string(*model) : std::string("unknown");
}

const lc::ControlList& request_metadata(const lc::Request& request) {
#if TB_LIBCAMERA_AT_LEAST(0, 7)
  return request.metadata();
#else
  // Before 0.7 only the non-const accessor exists; it does not modify the request.
  return const_cast<lc::Request&>(request).metadata();
#endif
}

std::size_t plane_count(const lc::FrameBuffer& buffer) {
  return buffer.planes().size();
}

const lc::FrameBuffer::Plane& plane(const lc::FrameBuffer& buffer, std::size_t i) {
  return buffer.planes()[i];
}

std::size_t plane_bytes_used(const lc::FrameBuffer& buffer, std::size_t i) {
  const auto& planes = buffer.metadata().planes();
  return i < planes.size() ? planes[i].bytesused : 0;
}

}  // namespace tb::hal::libcamera_backend::compat
