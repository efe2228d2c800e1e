#pragma once
// A tb::hal::Camera on libgphoto2 (2.5.30): one GPContext and one open session per camera,
// vendor widget aliases, request-bound captures and a recovery ladder (busy → one short retry,
// then Errc::busy: the caller's retry policy governs; I/O → retry once; unplug → disconnected,
// then reconnect() re-finds the body, re-applies its settings and completes the capture the
// unplug cut short exactly once).
//
// Threading: one thread owns the device. Every call takes the device lock without waiting;
// a call made while another thread's call is in flight (e.g. a second capture) is refused at
// once with Errc::busy and touches nothing. close() alone waits for the lock.
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tetherbox/common/result.hpp"
#include "tetherbox/config/config.hpp"
#include "tetherbox/hal/camera.hpp"

namespace tb::hal::gphoto2_backend {

struct Options {
  // Called by reconnect() when the camera does not come back by itself (e.g. a GPIO relay
  // that cuts the camera's power for a moment). Empty: no power cycling.
  std::function<Status()> power_cycle;
  // Property writes to a busy body (writing to card) are retried with backoff for this long,
  // then Errc::busy.
  std::chrono::milliseconds busy_budget{2000};
  // capture() on a busy body: gp_camera_capture is tried at most this many times, `busy_pause`
  // apart, then capture() returns Errc::busy at once. One owner of the retry policy: the
  // session runner, with its per-shot budget; the backend never loops on its own.
  int busy_attempts = 2;
  std::chrono::milliseconds busy_pause{50};
  // Called before each libgphoto2 call that talks to the body ("gp_camera_capture",
  // "gp_camera_file_get", "gp_camera_wait_for_event", "gp_camera_init", "gp_port_reset",
  // "detect", ...; "gp_camera_wait_for_event(queued)" for a zero-timeout read of what the
  // driver already queued). Lets tests count calls and act at an exact point of a capture (pull the
  // cable as the download starts) instead of guessing with timers. Empty: nothing.
  std::function<void(std::string_view call)> on_gp_call;
  // After a capture the frame's files are collected from the events as they come: the wait
  // ends as soon as the frame is whole. Events are read with waits of this length (ptp2 waits
  // about twice as long when idle); the card is listed every `companion_list_every` while a
  // file is missing; a body that never sends a promised second file (RAW+JPEG) is given
  // `companion_timeout`, then the frame is delivered with what arrived and a fault noted.
  std::chrono::milliseconds event_wait{10};
  std::chrono::milliseconds companion_timeout{10000};
  std::chrono::milliseconds companion_list_every{500};
  // Files one shot makes. 0: from the body's image-format widget as set by lock_automatics()
  // (2 for raw+jpeg), or, on a body without one, learned from the first frame's events.
  int files_per_shot = 0;
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
