#pragma once
// The terminal as one shared resource: log lines and the progress line go through here, so a
// log line never runs into the progress line, colour follows NO_COLOR and the terminal, and a
// closed stderr or stdout (a dropped SSH session, `| head`) never kills the program: writes
// fail quietly and the caller stops printing, the work goes on.
#include <string_view>

namespace tb::console {

// ANSI colour on stderr: only when stderr is a terminal and NO_COLOR is unset or empty
// (https://no-color.org).
bool color_enabled();
bool stderr_is_tty();

// Writes to stderr. Returns false once stderr is broken (EPIPE, closed): every later call is
// a no-op returning false, so a caller can stop producing output.
bool err(std::string_view text);
bool stderr_broken();
// Writes to stdout; false when it could not be written.
bool out(std::string_view text);

// A progress line redrawn in place on a terminal. A log line written through log_line()
// clears it first and redraws it afterwards. On a non-terminal it is not shown (callers print
// whole lines with err() instead).
void status(std::string_view line);
// Ends the progress line (moves to a new line) if one is showing.
void end_status();
// A complete log line (with its '\n'): clears the progress line, writes, redraws it.
void log_line(std::string_view text);

}  // namespace tb::console
