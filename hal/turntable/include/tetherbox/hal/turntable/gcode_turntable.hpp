#pragma once
// A turntable driven by a serial G-code controller (OpenScan-style boards running GRBL or
// Marlin): one rotary axis, absolute moves, a dwell/M400 that returns `ok` once the move is done.
#include <memory>
#include <string>

#include "tetherbox/hal/turntable.hpp"

namespace tb::hal::turntable {

struct GcodeOptions {
  std::string port;  // e.g. /dev/ttyUSB0
  int baud = 115200;
  std::string dialect = "grbl";  // grbl: $H, G4 P0 | marlin: G28, M400
  char axis = 'X';
  double units_per_rev = 360.0;  // axis units for one revolution of the motor side
  double gear_ratio = 1.0;       // motor revolutions per turntable revolution
  double feed = 3600.0;          // axis units per minute
  int timeout_ms = 2000;         // no reply to a command within this: the controller is gone
  int startup_ms = 3000;         // a board that resets on open prints its banner within this
  int settle_ms = 200;           // after the move is reported done, for vibration to die out
  bool home_on_start = false;    // home(): run the homing cycle, or take the current spot as 0
  double step_deg = 0.1;
};

// Opens the port and checks that a controller answers. Errors name the port: not_found
// (missing), invalid (not a tty, unsupported baud), busy (in use), timeout (silent), io.
Result<std::unique_ptr<Turntable>> make_gcode_turntable(const GcodeOptions& opt);

// Meaning of a GRBL `error:N` / `ALARM:N`, or "" when the code is not known.
std::string grbl_error_meaning(int code);
std::string grbl_alarm_meaning(int code);

}  // namespace tb::hal::turntable
