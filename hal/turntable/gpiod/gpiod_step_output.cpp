// The one file that calls libgpiod (1.6 C API, as Debian 12 ships): step/dir/enable outputs
// and the homing switch input. Pulses are timed with clock_nanosleep against CLOCK_MONOTONIC.
#include <fmt/format.h>
#include <gpiod.h>
#include <time.h>

#include <cerrno>
#include <cmath>
#include <cstring>

#include "tetherbox/hal/turntable/stepdir_turntable.hpp"

namespace tb::hal::turntable {
namespace {

constexpr const char* kConsumer = "tetherbox-turntable";

class GpiodStepOutput final : public StepOutput {
 public:
  GpiodStepOutput(GpiodStepPins pins, gpiod_chip* chip) : pins_(std::move(pins)), chip_(chip) {}
  ~GpiodStepOutput() override {
    for (auto* l : {step_, dir_, enable_, home_})
      if (l) gpiod_line_release(l);
    gpiod_chip_close(chip_);
  }

  Status request() {
    TB_TRY(output(pins_.step_line, "step", 0, &step_));
    TB_TRY(output(pins_.dir_line, "dir", 0, &dir_));
    if (pins_.enable_line >= 0)
      TB_TRY(output(pins_.enable_line, "enable", pins_.enable_active_low ? 1 : 0, &enable_));
    if (pins_.home_line >= 0) {
      TB_TRY(line(pins_.home_line, "home", &home_));
      int flags = pins_.home_active_low ? GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP : 0;
      if (gpiod_line_request_input_flags(home_, kConsumer, flags) != 0)
        return failure("request home input", pins_.home_line);
    }
    return ok_status();
  }

  Status enable(bool on) override {
    if (!enable_) return ok_status();
    int v = (on != pins_.enable_active_low) ? 1 : 0;
    if (gpiod_line_set_value(enable_, v) != 0) return failure("set enable", pins_.enable_line);
    return ok_status();
  }

  Status set_direction(bool forward) override {
    if (gpiod_line_set_value(dir_, forward ? 1 : 0) != 0) return failure("set dir", pins_.dir_line);
    // Drivers need the direction stable a few microseconds before the next step edge.
    sleep_ns(5000);
    return ok_status();
  }

  void begin_move() override { clock_gettime(CLOCK_MONOTONIC, &start_); }

  Status step_at(double t_s) override {
    timespec due = start_;
    double whole = std::floor(t_s);
    due.tv_sec += static_cast<time_t>(whole);
    due.tv_nsec += static_cast<long>((t_s - whole) * 1e9);
    if (due.tv_nsec >= 1000000000L) {
      due.tv_sec += 1;
      due.tv_nsec -= 1000000000L;
    }
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &due, nullptr) == EINTR) {
    }
    if (gpiod_line_set_value(step_, 1) != 0) return failure("step high", pins_.step_line);
    sleep_ns(2000);  // A4988 needs 1 us high, DRV8825 1.9 us
    if (gpiod_line_set_value(step_, 0) != 0) return failure("step low", pins_.step_line);
    return ok_status();
  }

  Result<bool> home_switch() override {
    if (!home_)
      return make_error(Errc::unsupported, "stepdir turntable on {}: no home_line configured",
                        describe());
    int v = gpiod_line_get_value(home_);
    if (v < 0) return failure("read home", pins_.home_line);
    return (v == 1) != pins_.home_active_low;
  }

  void settle(int ms) override { sleep_ns(static_cast<long long>(ms) * 1000000LL); }

  std::string describe() const override {
    return fmt::format("{} step {} dir {}", pins_.chip, pins_.step_line, pins_.dir_line);
  }

 private:
  static void sleep_ns(long long ns) {
    timespec d{static_cast<time_t>(ns / 1000000000LL), static_cast<long>(ns % 1000000000LL)};
    while (clock_nanosleep(CLOCK_MONOTONIC, 0, &d, &d) == EINTR) {
    }
  }

  Error failure(const char* what, int offset) const {
    int e = errno;
    return make_error(e == EBUSY ? Errc::busy : Errc::io, "gpio {} line {}: {} failed: {}{}",
                      pins_.chip, offset, what, std::strerror(e),
                      e == EBUSY ? " (the line is used by another process)" : "");
  }

  Status line(int offset, const char* role, gpiod_line** out) {
    if (offset < 0)
      return make_error(Errc::invalid, "gpio {}: turntable {} line is not set", pins_.chip, role);
    *out = gpiod_chip_get_line(chip_, static_cast<unsigned>(offset));
    if (!*out)
      return make_error(Errc::not_found, "gpio {}: no line {} for the turntable {} ({})",
                        pins_.chip, offset, role, std::strerror(errno));
    return ok_status();
  }

  Status output(int offset, const char* role, int initial, gpiod_line** out) {
    TB_TRY(line(offset, role, out));
    if (gpiod_line_request_output(*out, kConsumer, initial) != 0) {
      Error e = failure("request output", offset);
      *out = nullptr;
      return e;
    }
    return ok_status();
  }

  GpiodStepPins pins_;
  gpiod_chip* chip_;
  gpiod_line* step_ = nullptr;
  gpiod_line* dir_ = nullptr;
  gpiod_line* enable_ = nullptr;
  gpiod_line* home_ = nullptr;
  timespec start_{};
};

}  // namespace

Result<std::unique_ptr<StepOutput>> make_gpiod_step_output(const GpiodStepPins& pins) {
  gpiod_chip* chip = gpiod_chip_open_lookup(pins.chip.c_str());
  if (!chip) chip = gpiod_chip_open_by_label(pins.chip.c_str());
  if (!chip)
    return make_error(Errc::not_found,
                      "gpio chip '{}' not found (by name, path, number or label): {}", pins.chip,
                      std::strerror(errno));
  auto out = std::make_unique<GpiodStepOutput>(pins, chip);
  TB_TRY(out->request());
  return std::unique_ptr<StepOutput>(std::move(out));
}

}  // namespace tb::hal::turntable
