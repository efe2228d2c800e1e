#pragma once
// Every call whose shape changed between libcamera 0.0.3 (Debian 12) and the Raspberry Pi fork
// (0.1 ... 0.7) goes through here, so the rest of the backend is written once.
#include <libcamera/libcamera.h>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tb::hal::libcamera_backend::compat {

// "0.0.3" — the headers we were built against.
std::string version_string();

// StreamRoles was a std::vector until 0.1, a Span afterwards.
std::unique_ptr<libcamera::CameraConfiguration> generate_configuration(
    libcamera::Camera& camera, const std::vector<libcamera::StreamRole>& roles);

// `transform` (until 0.1) became `orientation` (0.2 upstream, already 0.1.0+rpt): ask for the
// sensor's native readout, so the CFA pattern the format names is the one in memory.
void set_native_orientation(libcamera::CameraConfiguration& config);

// Manual exposure and gain: AeEnable=false everywhere, plus ExposureTimeMode/AnalogueGainMode
// Manual from 0.5 where AeEnable is only a shorthand for them.
void set_manual_exposure(libcamera::ControlList& controls, int32_t exposure_us, float gain);

// AWB off with fixed gains (R, B).
void set_fixed_white_balance(libcamera::ControlList& controls, float red, float blue);

// Whether the AE algorithm reports itself as not adjusting (AeLocked until 0.4, AeState from
// 0.5); nullopt when the frame does not say.
std::optional<bool> ae_quiescent(const libcamera::ControlList& metadata);

// properties::Model: string controls were std::string until 0.5 and std::string_view from 0.6
// (a view into the camera's property list, so it is copied here). "unknown" when not reported.
std::string camera_model(const libcamera::Camera& camera);

// Request::metadata() became const-only in 0.7.
const libcamera::ControlList& request_metadata(const libcamera::Request& request);

// FrameBuffer::planes() returned a vector until 0.5 and a Span from 0.6.
std::size_t plane_count(const libcamera::FrameBuffer& buffer);
const libcamera::FrameBuffer::Plane& plane(const libcamera::FrameBuffer& buffer, std::size_t i);
std::size_t plane_bytes_used(const libcamera::FrameBuffer& buffer, std::size_t i);

}  // namespace tb::hal::libcamera_backend::compat
