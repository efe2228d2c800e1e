#include "tetherbox/capture/retry_policy.hpp"

#include <algorithm>

namespace tb::capture {

ShotRetry::ShotRetry(hal::Clock& clock, RetryLimits limits, uint64_t seq)
    : clock_(clock), limits_(limits), seq_(seq), start_(clock.now_steady()) {}

double ShotRetry::elapsed_s() const {
  return seconds_between(start_, clock_.now_steady());
}

bool ShotRetry::out_of_time() const {
  return clock_.now_steady() - start_ >= limits_.max_time;
}

Error ShotRetry::exhausted(bool busy) const {
  if (busy)
    return make_error(Errc::busy,
                      "camera busy for {} attempts / {:.1f} seconds on frame {} ({} reconnects; "
                      "last: {}); the bag is consistent: check the camera and run again with "
                      "--resume",
                      attempts_, elapsed_s(), seq_, reconnects_, last_error_);
  return make_error(Errc::disconnected,
                    "camera lost on frame {}: not recovered after {} attempts, {} reconnects, "
                    "{:.1f} seconds (last: {}); the bag is consistent: reconnect the camera and "
                    "run again with --resume",
                    seq_, attempts_, reconnects_, elapsed_s(), last_error_);
}

RetryDecision ShotRetry::on_capture_error(const Error& e) {
  last_error_ = e.message;
  RetryDecision d;
  last_was_busy_ = e.code == Errc::busy;
  if (e.code == Errc::busy) {
    ++busy_total_;
    ++busy_streak_;
    if (attempts_ >= limits_.max_attempts || out_of_time()) {
      d.reason = exhausted(true);
      return d;
    }
    if (busy_streak_ >= limits_.busy_before_reconnect) {
      d.action = RetryAction::reconnect;
      return d;
    }
    d.action = RetryAction::retry;
    d.wait = std::min(limits_.busy_backoff * busy_streak_, limits_.max_backoff);
    return d;
  }
  if (e.code == Errc::disconnected || e.code == Errc::io) {
    if (attempts_ >= limits_.max_attempts || out_of_time()) {
      d.reason = exhausted(false);
      return d;
    }
    d.action = RetryAction::reconnect;
    return d;
  }
  d.reason = make_error(e.code, "frame {}: {}", seq_, e.message);
  return d;
}

RetryDecision ShotRetry::before_reconnect() {
  RetryDecision d;
  if (reconnects_ >= limits_.max_reconnects || out_of_time()) {
    d.reason = exhausted(last_was_busy_);
    return d;
  }
  d.action = RetryAction::reconnect;
  d.wait =
      std::min(limits_.reconnect_backoff * (1 << std::min(reconnects_, 10)), limits_.max_time / 4);
  ++reconnects_;
  return d;
}

}  // namespace tb::capture
