#pragma once
// The one owner of the per-shot retry policy. A shot may meet a busy camera or lose it; the
// policy decides whether to wait and retry, reconnect, or give up, within a budget counted in
// capture attempts, reconnect attempts AND clock time (hal::Clock, so a sim session on its
// virtual clock spends no wall time waiting). Giving up is a resumable stop with a message that
// says why, never an endless loop.
#include <chrono>
#include <cstdint>
#include <string>

#include "tetherbox/common/result.hpp"
#include "tetherbox/hal/clock.hpp"

namespace tb::capture {

struct RetryLimits {
  int max_attempts = 16;          // capture calls for one shot, the first included
  int busy_before_reconnect = 8;  // consecutive busy answers before the session is reset
  int max_reconnects = 4;         // reconnect attempts for one shot
  std::chrono::milliseconds max_time{60'000};        // clock time spent on one shot
  std::chrono::milliseconds busy_backoff{50};        // grows linearly with the busy streak ...
  std::chrono::milliseconds max_backoff{1'000};      // ... up to this
  std::chrono::milliseconds reconnect_backoff{200};  // doubles per reconnect attempt
  int max_fault_lines = 12;  // journaled fault lines per shot; the rest are counted
};

enum class RetryAction { retry, reconnect, give_up };

struct RetryDecision {
  RetryAction action = RetryAction::give_up;
  std::chrono::milliseconds wait{0};  // sleep before acting
  Error reason{Errc::internal, ""};   // when give_up: why (resumable stop)
};

class ShotRetry {
 public:
  ShotRetry(hal::Clock& clock, RetryLimits limits, uint64_t seq);

  // Call once before each capture() call.
  void begin_attempt() { ++attempts_; }
  // A capture() call failed with e: what next.
  RetryDecision on_capture_error(const Error& e);
  // A reconnect attempt is about to be made: false (with reason) when the budget is spent.
  RetryDecision before_reconnect();
  void reconnected() { busy_streak_ = 0; }

  // Fault lines beyond max_fault_lines are counted, not journaled: a camera in trouble can
  // not grow the journal without bound.
  bool journal_fault() { return ++fault_lines_ <= limits_.max_fault_lines; }
  int faults_not_journaled() const {
    return fault_lines_ > limits_.max_fault_lines ? fault_lines_ - limits_.max_fault_lines : 0;
  }

  int attempts() const { return attempts_; }
  int busy() const { return busy_total_; }
  int reconnects() const { return reconnects_; }
  double elapsed_s() const;

 private:
  bool out_of_time() const;
  Error exhausted(bool busy) const;
  hal::Clock& clock_;
  RetryLimits limits_;
  uint64_t seq_;
  SteadyTime start_;
  int attempts_ = 0, busy_streak_ = 0, busy_total_ = 0, reconnects_ = 0, fault_lines_ = 0;
  bool last_was_busy_ = false;
  std::string last_error_;
};

}  // namespace tb::capture
