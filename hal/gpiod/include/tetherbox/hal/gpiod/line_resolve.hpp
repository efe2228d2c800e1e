#pragma once
// Finding a chip by label, name, number or path, and a line by offset or name, the way a
// board file or config spells them: chip "pinctrl-rp1" (Pi 5) or "pinctrl-bcm2711" (Pi 4),
// "gpiochip4", "4", "/dev/gpiochip4"; line 17 or "GPIO17".
#include <string>

#include "tetherbox/hal/gpiod/line_source.hpp"

namespace tb::hal::gpiod_backend {

struct LineSpec {
  std::string chip;       // label, name, number or path; empty: search every chip for line_name
  int offset = -1;        // >= 0: by number
  std::string line_name;  // used when offset < 0
};

// What the user wrote, for error messages: "chip 'pinctrl-rp1' line 17".
std::string describe_spec(const LineSpec& spec);

// A failed line request (errno mapped to an Errc) as a person reads it: which line, what the
// system said, who holds it (consumer, when known) and what to check.
Error request_failure(const Error& cause, const LineAddress& line, const std::string& as,
                      const std::string& holder);

// Errors name what was asked for, what exists, and what to check (Errc::not_found /
// Errc::invalid).
Result<LineAddress> resolve_line(const LineSpec& spec, LineSource& source);

}  // namespace tb::hal::gpiod_backend
