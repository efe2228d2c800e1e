#pragma once
// Taking one shot: trigger, download, bind the files to the request, verify the exposure the
// frame was actually taken with, and ride through a busy or vanished camera within the retry
// budget (retry_policy.hpp). GPS and ambient are sampled at the trigger, not after the
// download. The caller positions the rig and lights first and names/queues the frame after.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "tetherbox/capture/record.hpp"
#include "tetherbox/capture/retry_policy.hpp"
#include "tetherbox/common/result.hpp"
#include "tetherbox/hal/camera.hpp"
#include "tetherbox/hal/clock.hpp"
#include "tetherbox/hal/environment.hpp"
#include "tetherbox/hal/gps.hpp"

namespace tb::capture {

struct ShotSetup {
  hal::Camera* camera = nullptr;
  hal::Clock* clock = nullptr;
  const hal::GpsSource* gps = nullptr;              // nullptr: no GPS configured
  const hal::EnvironmentSensor* ambient = nullptr;  // nullptr: no sensor configured
  double max_fix_age_s = 5.0;
  double ambient_max_age_s = 10.0;
  double verify_tolerance_ev = 0.34;
  int verify_retries = 2;
  RetryLimits limits;
};

struct TakenShot {
  hal::CaptureResult capture;
  // Filled: request_id, reported, reported_valid, reported_source, exposure_verified,
  // exposure_mismatch, attempts, trigger_utc, trigger_uncertainty_s, gps, ambient, faults.
  FrameRecord record;
};

// The exposure to verify a frame against: from the frame's own file where it carries one
// (RAW/DNG preferred, else JPEG), else what the camera reported, else none.
struct ReportedExposure {
  std::optional<hal::ExposureSettings> exposure;
  std::string source;  // "file EXIF (dng)", "camera", "none"
};
ReportedExposure reported_exposure(const hal::CaptureResult& cap);

class ShotExecutor {
 public:
  // fault: records a fault line (journal) for frame seq / request; stop: a stop was requested.
  using FaultFn = std::function<void(const std::string& msg, uint64_t seq, uint64_t request_id)>;
  using StopFn = std::function<bool()>;
  using RequestIdFn = std::function<uint64_t()>;
  ShotExecutor(ShotSetup setup, FaultFn fault, StopFn stop, RequestIdFn next_request_id);

  // Applies e unless it is already set.
  Status set_exposure(const hal::ExposureSettings& e);
  // Takes frame seq with the commanded exposure. An error is a stop: the budget is spent
  // (message says why), a stop was requested (cancelled) or the camera refused.
  Result<TakenShot> take(uint64_t seq, const hal::ExposureSettings& commanded);

 private:
  Status reconnect(ShotRetry& retry, uint64_t seq, uint64_t req, TakenShot& out);
  void fault(ShotRetry& retry, const std::string& msg, uint64_t seq, uint64_t req, TakenShot& out);
  void sample_sensors(TakenShot& out);
  ShotSetup s_;
  FaultFn fault_;
  StopFn stop_;
  RequestIdFn next_request_id_;
  std::optional<hal::ExposureSettings> current_;
  hal::ExposureSettings target_;
};

}  // namespace tb::capture
