// GRBL 1.1 error and alarm codes, so a refusal reads as its cause rather than a number.
#include <array>
#include <utility>

#include "tetherbox/hal/turntable/gcode_turntable.hpp"

namespace tb::hal::turntable {
namespace {

constexpr std::array<std::pair<int, const char*>, 35> kErrors{{
    {1, "G-code word without a letter"},
    {2, "bad number format"},
    {3, "'$' system command not recognised"},
    {4, "negative value where a positive one is expected"},
    {5, "homing cycle is not enabled in the settings ($22)"},
    {6, "minimum step pulse time must be greater than 3 us"},
    {7, "EEPROM read failed; settings restored to defaults"},
    {8, "'$' command needs the controller idle"},
    {9, "G-code locked out during alarm or jog state (home or unlock with $X)"},
    {10, "soft limits need homing enabled"},
    {11, "line too long"},
    {12, "step rate above 30 kHz"},
    {13, "safety door open"},
    {14, "build info or startup line too long for EEPROM"},
    {15, "jog target exceeds machine travel"},
    {16, "invalid jog command"},
    {17, "laser mode needs PWM output"},
    {20, "unsupported or invalid G-code command"},
    {21, "more than one command of the same modal group"},
    {22, "feed rate not set"},
    {23, "command needs an integer value"},
    {24, "more than one command needs axis words"},
    {25, "repeated G-code word"},
    {26, "no axis words in a block that needs them"},
    {27, "invalid line number"},
    {28, "missing a required value word"},
    {29, "G59.x work coordinate systems not supported"},
    {30, "G53 only allowed with G0 and G1"},
    {31, "axis words in a block that uses none"},
    {32, "G2/G3 arc without an in-plane axis word"},
    {33, "motion target is invalid"},
    {34, "arc radius value is invalid"},
    {35, "G2/G3 arc without an in-plane offset word"},
    {36, "unused value words in block"},
    {37, "G43.1 tool length offset not on the programmed axis"},
}};

constexpr std::array<std::pair<int, const char*>, 9> kAlarms{{
    {1, "hard limit triggered; position lost, home again"},
    {2, "soft limit: motion target exceeds machine travel"},
    {3, "reset while in motion; position lost, home again"},
    {4, "probe fail: probe not in the expected initial state"},
    {5, "probe fail: probe did not contact"},
    {6, "homing fail: reset during the homing cycle"},
    {7, "homing fail: safety door opened during homing"},
    {8, "homing fail: could not clear the limit switch on pull-off"},
    {9, "homing fail: limit switch not found within the search distance"},
}};

template <size_t N>
std::string lookup(const std::array<std::pair<int, const char*>, N>& table, int code) {
  for (const auto& [c, text] : table)
    if (c == code) return text;
  return {};
}

}  // namespace

std::string grbl_error_meaning(int code) {
  return lookup(kErrors, code);
}
std::string grbl_alarm_meaning(int code) {
  return lookup(kAlarms, code);
}

}  // namespace tb::hal::turntable
