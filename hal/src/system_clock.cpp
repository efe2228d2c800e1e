#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "tetherbox/hal/clock.hpp"
#include "tetherbox/hal/clock_sync.hpp"

namespace tb::hal {

// Keeps the latest `chronyc -c tracking` answer, refreshed by its own thread so that a frame
// never waits for a process. The kernel state is read per call: it is one syscall.
class ClockSyncMonitor {
 public:
  static constexpr auto kPeriod = std::chrono::seconds(16);
  // An answer older than this (chronyc hanging on every try) no longer speaks for the clock.
  static constexpr auto kMaxAge = 3 * kPeriod;
  static constexpr double kTimeoutS = 3.0;

  ClockSyncMonitor() : thread_([this] { loop(); }) {}
  ~ClockSyncMonitor() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();  // at most one chronyc timeout away
  }

  ClockSync state() const {
    std::optional<ChronyTracking> chrony;
    double age_s = 0;
    std::string note;
    {
      std::lock_guard lock(mu_);
      const auto now = std::chrono::steady_clock::now();
      if (last_ && now - last_at_ <= kMaxAge) {
        chrony = last_;
        age_s = std::chrono::duration<double>(now - last_at_).count();
      }
      note = note_;
    }
    return choose_sync(chrony, age_s, read_timex(), note);
  }

 private:
  void loop() {
    std::unique_lock lock(mu_);
    while (!stop_) {
      lock.unlock();
      auto out = run_chronyc_tracking(kTimeoutS);
      Result<ChronyTracking> parsed =
          out ? parse_chrony_tracking_csv(*out) : Result<ChronyTracking>(out.error());
      const auto at = std::chrono::steady_clock::now();
      lock.lock();
      if (parsed) {
        last_ = *parsed;
        last_at_ = at;
        note_.clear();
      } else {
        last_.reset();
        // No chronyc at all is the normal state of a box without chrony: no note, no retries.
        if (!out && out.error().code == Errc::not_found) {
          note_.clear();
          return;
        }
        note_ = parsed.error().message;
      }
      cv_.wait_for(lock, kPeriod, [this] { return stop_; });
    }
  }

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::optional<ChronyTracking> last_;
  SteadyTime last_at_{};
  std::string note_;
  std::thread thread_;  // last: starts after every member it uses exists
};

SystemClock::SystemClock() : monitor_(std::make_unique<ClockSyncMonitor>()) {}
SystemClock::~SystemClock() = default;

ClockSync SystemClock::sync_state() const {
  return monitor_->state();
}

void SystemClock::sleep_for(std::chrono::nanoseconds d) {
  std::this_thread::sleep_for(d);
}

}  // namespace tb::hal
