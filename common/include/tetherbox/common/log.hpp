#pragma once
// One logger for the whole program (spdlog). When stderr is the journal (JOURNAL_STREAM names it
// and the journal socket exists) each line goes to journald as a structured entry: MESSAGE,
// PRIORITY, SYSLOG_IDENTIFIER, CODE_* and the context fields below (TB_SESSION, TB_FRAME,
// TB_REQUEST_ID), so `journalctl -u tetherboxd TB_SESSION=…` finds a session's lines. Otherwise
// lines go to stderr, with UTC timestamps.
// Lines go through tb::console, so they share the terminal with the progress line and stay
// without colour when NO_COLOR is set or stderr is not a terminal.
#include <spdlog/spdlog.h>

#include <array>
#include <string>
#include <vector>

namespace tb {

// The accepted level names, in order: "trace" "debug" "info" "warn" "error" "critical" "off".
const std::vector<std::string>& log_level_names();
// level must be one of log_level_names() (the CLI checks; anything else falls back to info).
void init_logging(const std::string& level = "info");

// The program's version and the commit it was built from: "0.1.0 (git 2098158a1b2c)" (CMake
// project VERSION, then `git describe` at configure time, "-dirty" for uncommitted changes).
const char* version();
// The `git describe` part alone ("unknown" outside a git checkout).
const char* git_commit();

namespace log {

// Context attached to log lines as journal fields (and ignored on the console, whose lines
// already say which frame they are about).
enum class Field { session, frame, request_id };
inline constexpr std::size_t kFieldCount = 3;
// The journal field name: "TB_SESSION", "TB_FRAME", "TB_REQUEST_ID".
const char* field_name(Field f);

// While it lives, every line this thread logs carries field=value (an empty value: the field is
// left out). Scopes nest: the previous value comes back when the inner one ends. Use one on the
// stack of the thread that does the work (the control thread for a request, the capture thread
// for a frame).
class Scope {
 public:
  Scope(Field field, std::string value);
  ~Scope();
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

 private:
  Field field_;
  std::string previous_;
};

// A value every thread's lines carry unless a Scope of the same field overrides it (the
// session in progress: its pipeline and sampler threads log too). Empty clears it.
void set_global(Field field, std::string value);

// The fields the current thread's lines carry now, as "NAME=value" journal items, in Field
// order, empty ones left out.
std::vector<std::string> context_items();

// True when stderr is the journal: JOURNAL_STREAM's device:inode is stderr's and the journal's
// socket exists (systemd's documented test; a redirected stderr in a service is not the journal).
bool stderr_is_journal();

}  // namespace log

}  // namespace tb
