#pragma once
// The control protocol of tetherboxd: JSON lines over a Unix stream socket. One request line
//   {"id": <string|number|null>, "cmd": "<name>", "args": {...}}
// gets one reply line
//   {"id": <same>, "ok": true, ...}  or  {"id": <same>, "ok": false,
//                                         "error": {"code": "<code>", "message": "<text>"}}
// and `subscribe` then streams event lines {"event": "<type>", ...}. parse_request is a pure
// function (no I/O, never throws) so it can be fuzzed on its own.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace tb::daemon {

inline constexpr size_t kMaxRequestBytes = 1 << 20;  // one line, newline excluded
inline constexpr int kMaxJsonDepth = 32;

// Every error code a reply can carry (README lists them with their meaning).
namespace code {
inline constexpr const char* bad_json = "bad_json";          // not one JSON object
inline constexpr const char* bad_request = "bad_request";    // JSON, but not a request
inline constexpr const char* unknown_cmd = "unknown_cmd";    // cmd is not a known command
inline constexpr const char* bad_args = "bad_args";          // args missing, extra or mistyped
inline constexpr const char* too_large = "too_large";        // line over kMaxRequestBytes
inline constexpr const char* timeout = "timeout";            // half a line, then silence
inline constexpr const char* not_allowed = "not_allowed";    // peer uid/gid not allowed
inline constexpr const char* busy = "busy";                  // a session is running
inline constexpr const char* no_session = "no_session";      // nothing to stop/pause/trigger
inline constexpr const char* config_error = "config_error";  // file:line:col in the message
inline constexpr const char* refused = "refused";            // not possible in this state
inline constexpr const char* storage = "storage";            // root read-only, full, not made
inline constexpr const char* device = "device";              // a configured device is missing
inline constexpr const char* internal = "internal";
}  // namespace code

const std::vector<std::string>& error_codes();

enum class ArgType { string, boolean, integer };
struct ArgSpec {
  std::string name;
  ArgType type;
};
struct CommandSpec {
  std::string name;
  std::vector<ArgSpec> args;  // every arg is optional; unknown args are refused
  std::string help;
};
const std::vector<CommandSpec>& commands();

struct Request {
  nlohmann::json id;  // string, number or null: echoed in the reply
  std::string cmd;
  nlohmann::json args = nlohmann::json::object();  // checked against the command's spec
};

struct ProtocolError {
  nlohmann::json id;  // the request's id when it could be read, else null
  std::string code;
  std::string message;
};

struct Parsed {
  std::optional<Request> request;
  ProtocolError error;  // meaningful when !request
};

Parsed parse_request(std::string_view line);

// Reply and event lines, newline-terminated. Never throw: strings from outside (file names,
// camera models, config messages) with invalid UTF-8 are replaced, not refused.
std::string reply_ok(const nlohmann::json& id, nlohmann::json body = nlohmann::json::object());
std::string reply_error(const nlohmann::json& id, const std::string& code,
                        const std::string& message);
std::string event_line(const std::string& type, nlohmann::json body = nlohmann::json::object());
std::string dump_line(const nlohmann::json& j);

}  // namespace tb::daemon
