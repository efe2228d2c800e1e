#pragma once
// A stepper turntable through a step/dir/enable driver. The pins sit behind StepOutput, so the
// motion logic runs against a fake that records pulse times, and against libgpiod on a box.
#include <memory>
#include <string>

#include "tetherbox/hal/turntable.hpp"

namespace tb::hal::turntable {

class StepOutput {
 public:
  virtual ~StepOutput() = default;
  virtual Status enable(bool on) = 0;
  virtual Status set_direction(bool forward) = 0;
  // Starts the time base for the pulses of one move.
  virtual void begin_move() = 0;
  // One step pulse due `t_s` seconds after begin_move(); a real output sleeps until then.
  virtual Status step_at(double t_s) = 0;
  // True while the homing switch is closed.
  virtual Result<bool> home_switch() = 0;
  // Waits for the mechanics to settle; a fake only records it.
  virtual void settle(int ms) = 0;
  virtual std::string describe() const = 0;  // names the chip and lines in errors
};

struct StepdirOptions {
  int steps_per_rev = 200;  // full steps of the motor
  int microsteps = 16;
  double gear_ratio = 1.0;        // motor turns per turntable turn
  double max_speed_deg_s = 30.0;  // turntable degrees
  double accel_deg_s2 = 60.0;
  int settle_ms = 200;
  bool home_on_start = false;  // search the homing switch, or take the current spot as 0
  bool home_forward = false;   // direction of the switch search
  double home_speed_deg_s = 5.0;
  double home_search_deg = 370.0;  // one turn and a bit: beyond it the switch is not there
  double home_backoff_deg = 5.0;
};

// The pulses one turntable degree needs (steps_per_rev * microsteps * gear_ratio / 360).
double steps_per_degree(const StepdirOptions& opt);

std::unique_ptr<Turntable> make_stepdir_turntable(const StepdirOptions& opt,
                                                  std::unique_ptr<StepOutput> out);

#ifdef TB_HAVE_TURNTABLE_GPIOD
struct GpiodStepPins {
  std::string chip;  // name (gpiochip0), path or label (pinctrl-rp1)
  int step_line = -1;
  int dir_line = -1;
  int enable_line = -1;           // -1: driver always enabled
  int home_line = -1;             // -1: no homing switch
  bool enable_active_low = true;  // A4988/DRV8825/TMC: EN low enables
  bool home_active_low = true;    // switch to ground with a pull-up
};
Result<std::unique_ptr<StepOutput>> make_gpiod_step_output(const GpiodStepPins& pins);
#endif

}  // namespace tb::hal::turntable
