#pragma once
// Scripted stand-ins for the runner's unit tests: a clock that only moves when slept on, and a
// camera that answers each capture() from a script.
#include <deque>
#include <string>

#include "tetherbox/hal/camera.hpp"
#include "tetherbox/hal/clock.hpp"

namespace tb::test {

class ManualClock final : public hal::Clock {
 public:
  UtcTime now_utc() const override { return UtcTime{} + (now_ - SteadyTime{}); }
  SteadyTime now_steady() const override { return now_; }
  double utc_uncertainty_s() const override { return 0; }
  void sleep_for(std::chrono::nanoseconds d) override {
    now_ += std::chrono::duration_cast<SteadyTime::duration>(d);
    slept_ += d;
  }
  std::chrono::nanoseconds slept() const { return slept_; }

 private:
  SteadyTime now_{};
  std::chrono::nanoseconds slept_{0};
};

// Each capture() pops the next scripted answer; when the script is empty it repeats `fallback`.
class ScriptedCamera final : public hal::Camera {
 public:
  struct Answer {
    std::optional<Error> error;      // an error answer
    hal::ExposureSettings reported;  // else a frame with this reported exposure
    bool reported_valid = true;
  };
  std::deque<Answer> script;
  Answer fallback{Error{Errc::busy, "busy (scripted)"}, {}, true};
  int captures = 0, reconnects = 0, exposures_set = 0;
  bool reconnect_fails = false;

  Result<hal::CameraInfo> open() override {
    return hal::CameraInfo{"fake", "m", "s", "p", "", true, true, 0, 0};
  }
  void close() override {}
  Status set_exposure(const hal::ExposureSettings&) override {
    ++exposures_set;
    return {};
  }
  Result<hal::ExposureSettings> read_exposure() override { return hal::ExposureSettings{}; }
  Status lock_automatics() override { return {}; }
  Result<std::optional<double>> sync_clock(UtcTime) override { return std::optional<double>{}; }
  Status drain() override { return {}; }
  Result<hal::CaptureResult> capture(uint64_t request_id) override {
    ++captures;
    Answer a = fallback;
    if (!script.empty()) {
      a = script.front();
      script.pop_front();
    }
    if (a.error) return *a.error;
    hal::CaptureResult r;
    r.request_id = request_id;
    r.files.push_back({"IMG_1.JPG", "jpg", "image/jpeg", {0xff, 0xd8, 0xff, 0xd9}});
    r.reported = a.reported;
    r.reported_valid = a.reported_valid;
    return r;
  }
  Status reconnect() override {
    ++reconnects;
    if (reconnect_fails) return Error{Errc::disconnected, "still gone (scripted)"};
    return {};
  }
};

}  // namespace tb::test
