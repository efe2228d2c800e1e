#pragma once
// The session's camera as the daemon sees it: every call passes through unchanged, while the
// daemon learns (1) whether the body is on the bus, for `status` during a session (an unplug
// seen by any call, the reconnect that brings it back), and (2) which call is in flight and
// since when, so the watchdog stops pinging when a camera call hangs (CallWatch::overdue).
// The request in flight is also put on every log line (journal field TB_REQUEST_ID).
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "tetherbox/hal/camera.hpp"

namespace tb::daemon {

class CallWatch {
 public:
  using clock = std::chrono::steady_clock;
  struct InFlight {
    std::string call;      // "capture", "open", "reconnect", ...
    uint64_t request = 0;  // capture's request id, 0 for other calls
    clock::duration age{};
  };
  void begin(const char* call, uint64_t request, clock::time_point now = clock::now());
  void end();
  // The call in flight when it has run longer than `limit` at `now`; nullopt otherwise.
  std::optional<InFlight> overdue(clock::time_point now, clock::duration limit) const;

 private:
  mutable std::mutex mu_;
  bool active_ = false;
  std::string call_;
  uint64_t request_ = 0;
  clock::time_point since_{};
};

struct CameraLink {
  bool connected = false;
  std::string model;  // when connected
  std::string error;  // why not, when not
};

class WatchedCamera final : public hal::Camera {
 public:
  // on_capture (may be empty) runs as each capture call begins, on the capture thread.
  WatchedCamera(std::unique_ptr<hal::Camera> inner, std::shared_ptr<CallWatch> watch,
                std::function<void(const CameraLink&)> on_link,
                std::function<void()> on_capture = {});

  Result<hal::CameraInfo> open() override;
  void close() override;
  Status set_exposure(const hal::ExposureSettings& e) override;
  Result<hal::ExposureSettings> read_exposure() override;
  Status lock_automatics() override;
  Result<std::optional<double>> sync_clock(UtcTime utc) override;
  Status drain() override;
  Result<hal::CaptureResult> capture(uint64_t request_id) override;
  Status reconnect() override;
  Result<int> battery_percent() override;
  Result<std::vector<uint8_t>> capture_preview() override;

 private:
  // Runs one call under the watch and reports what its result says about the link.
  template <typename F>
  auto watched(const char* call, uint64_t request, F&& f);
  void saw(const Error& e);
  void saw_ok();

  std::unique_ptr<hal::Camera> inner_;
  std::shared_ptr<CallWatch> watch_;
  std::function<void(const CameraLink&)> on_link_;
  std::function<void()> on_capture_;
  std::string model_;
  enum class Link { unknown, up, down } link_ = Link::unknown;
};

}  // namespace tb::daemon
