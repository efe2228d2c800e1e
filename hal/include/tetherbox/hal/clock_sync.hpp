#pragma once
// The host clock's sync state from its two witnesses, as pure functions over captured values
// (tested on real chronyc outputs and synthetic timex values) plus the two readers.
#include <optional>
#include <string>
#include <string_view>

#include "tetherbox/common/result.hpp"
#include "tetherbox/hal/clock.hpp"

namespace tb::hal {

// The kernel caps maxerror/esterror at NTP_PHASE_LIMIT (16 s) and uses that value for
// "nothing known" (the state after boot without a time daemon).
inline constexpr long kTimexUnknownUs = 16'000'000;

// What ntp_adjtime(2) with modes = 0 returned.
struct TimexSample {
  int state = 0;   // return value: TIME_OK .. TIME_ERROR (5)
  int status = 0;  // STA_* bits
  long maxerror_us = kTimexUnknownUs;
  long esterror_us = kTimexUnknownUs;
};

// Unsynchronised when STA_UNSYNC is set or the call returned TIME_ERROR; then the bound is the
// kernel's 16 s ceiling. Synchronised: the bound is maxerror (the kernel's maximum error, which
// the time daemon sets and the kernel grows by 500 ppm between updates).
ClockSync sync_from_timex(const TimexSample& t);

// One line of `chronyc -c tracking` (chrony 3.x/4.x, 14 fields).
struct ChronyTracking {
  std::string ref_id;  // hex, "00000000" before the first source; "7F7F0101" = local
  std::string ref_name;
  int stratum = 0;
  double ref_time = 0;  // epoch seconds of the last update
  double offset_s = 0;  // system time minus NTP time, signed
  double last_offset_s = 0;
  double rms_offset_s = 0;
  double freq_ppm = 0;
  double resid_freq_ppm = 0;
  double skew_ppm = 0;
  double root_delay_s = 0;
  double root_dispersion_s = 0;
  double update_interval_s = 0;
  std::string leap;  // "Normal", "Insert second", "Delete second", "Not synchronised"
};

// Errc::invalid naming the field when the text is not one tracking line (e.g. chronyc's
// "506 Cannot talk to daemon").
Result<ChronyTracking> parse_chrony_tracking_csv(std::string_view text);

// |offset| + root dispersion + root delay / 2: chrony's own bound on the system clock's error.
double chrony_bound_s(const ChronyTracking& t);

// age_s: how old the chronyc answer is; the bound grows by the skew over that time.
// Unsynchronised (leap "Not synchronised", no reference, or the local-clock reference): the
// kernel's 16 s ceiling, as for adjtimex.
ClockSync sync_from_chrony(const ChronyTracking& t, double age_s);

// chrony's view when a tracking answer is at hand (the daemon knows its sources; the kernel
// only what it was told), else the kernel's. chrony_note: why there is no chrony answer
// (appended to the detail so the record says it), empty when chronyc is simply absent.
ClockSync choose_sync(const std::optional<ChronyTracking>& chrony, double chrony_age_s,
                      const Result<TimexSample>& timex, const std::string& chrony_note);

// Reads the kernel state now (one syscall, no change to the clock).
Result<TimexSample> read_timex();

// Runs `chronyc -c -n tracking` with a timeout; not_found when chronyc is not installed.
Result<std::string> run_chronyc_tracking(double timeout_s);

}  // namespace tb::hal
