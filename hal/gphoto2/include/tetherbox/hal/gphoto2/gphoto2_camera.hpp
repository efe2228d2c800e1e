#pragma once
// A tb::hal::Camera on libgphoto2 (2.5.30): one GPContext and one open session per camera,
// vendor widget aliases, request-bound captures and a recovery ladder (busy → retry with
// backoff; I/O → retry once; unplug → disconnected, then reconnect() re-finds the body,
// re-applies its settings and completes the capture the unplug cut short exactly once).
//
// Threading: one thread owns the device. Every call takes the device lock without waiting;
// a call made while another thread's call is in flight (e.g. a second capture) is refused at
// once with Errc::busy and touches nothing. close() alone waits for the lock.
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tetherbox/common/result.hpp"
#include "tetherbox/config/config.hpp"
#include "tetherbox/hal/camera.hpp"

namespace tb::hal::gphoto2_backend {

struct Options {
  // Called by reconnect() when the camera does not come back by itself (e.g. a GPIO relay
  // that cuts the camera's power for a moment). Empty: no power cycling.
  std::function<Status()> power_cycle;
  // Busy bodies (writing to card) are retried with backoff for this long, then Errc::busy.
  std::chrono::milliseconds busy_budget{2000};
  // After a capture, events are drained with waits of this length until one times out (ptp2
  // waits about twice as long when idle).
  std::chrono::milliseconds event_wait{10};
  // reconnect(): how long to poll auto-detection for the camera to reappear, and how long a
  // body may take to boot after a power cycle.
  std::chrono::milliseconds reappear_timeout{2000};
  std::chrono::milliseconds power_cycle_boot_timeout{15000};
};

struct DetectedCamera {
  std::string model;   // "Nikon DSC D750"
  std::string port;    // "usb:001,004"
  std::string serial;  // filled only when a selector asks for a serial
};

// Cameras libgphoto2 auto-detects now (IOLIBS decides which port drivers are looked at).
Result<std::vector<DetectedCamera>> detect_cameras();

// Picks the camera cfg.camera.select names (model / serial / port; empty fields match all).
// None → Errc::not_found; several and no selector → Errc::invalid listing them.
Result<DetectedCamera> choose_camera(const std::vector<DetectedCamera>& found,
                                     const config::CameraSelect& select);

std::unique_ptr<tb::hal::Camera> make_camera(const config::Config& cfg);
std::unique_ptr<tb::hal::Camera> make_camera(const config::Config& cfg, Options options);

}  // namespace tb::hal::gphoto2_backend
