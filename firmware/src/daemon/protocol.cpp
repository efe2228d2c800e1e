#include "protocol.hpp"

#include <fmt/format.h>

namespace tb::daemon {
namespace {

using nlohmann::json;

// Refuses nesting deeper than kMaxJsonDepth before the parser sees it, so no line can build
// a structure whose handling recurses without bound.
bool depth_ok(std::string_view s) {
  int depth = 0;
  bool in_str = false, esc = false;
  for (char c : s) {
    if (in_str) {
      if (esc)
        esc = false;
      else if (c == '\\')
        esc = true;
      else if (c == '"')
        in_str = false;
      continue;
    }
    if (c == '"') {
      in_str = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxJsonDepth) return false;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return true;
}

const char* type_name(ArgType t) {
  switch (t) {
    case ArgType::string:
      return "a string";
    case ArgType::boolean:
      return "true or false";
    case ArgType::integer:
      return "an integer";
  }
  return "?";
}

bool type_ok(const json& v, ArgType t) {
  switch (t) {
    case ArgType::string:
      return v.is_string();
    case ArgType::boolean:
      return v.is_boolean();
    case ArgType::integer:
      return v.is_number_integer();
  }
  return false;
}

std::string short_text(const std::string& s) {
  return s.size() <= 60 ? s : s.substr(0, 60) + "...";
}

Parsed fail(json id, const char* code, std::string msg) {
  Parsed p;
  p.error = {std::move(id), code, std::move(msg)};
  return p;
}

}  // namespace

const std::vector<std::string>& error_codes() {
  static const std::vector<std::string> v = {
      code::bad_json, code::bad_request, code::unknown_cmd,  code::bad_args,
      code::too_large, code::timeout,    code::not_allowed,  code::busy,
      code::no_session, code::config_error, code::refused,
      code::storage,    code::device,       code::internal};
  return v;
}

const std::vector<CommandSpec>& commands() {
  static const std::vector<CommandSpec> v = {
      {"status", {}, "devices, disk and the session in progress"},
      {"start", {{"config", ArgType::string}}, "start a session (this config, else the daemon's)"},
      {"stop", {}, "stop after the frame in flight; the bag is closed"},
      {"pause", {{"on", ArgType::boolean}}, "pause (on, default) or continue (on: false)"},
      {"resume-session", {{"bag", ArgType::string}}, "continue an open (not finalized) session"},
      {"trigger",
       {{"long", ArgType::boolean}},
       "a press of the trigger: short shoots a bracket, long starts or ends a buttons session"},
      {"reload", {}, "re-read and validate the config file"},
      {"sessions", {}, "the bags in the storage root and their state"},
      {"log", {{"lines", ArgType::integer}}, "the latest events"},
      {"subscribe", {}, "stream events on this connection"},
      {"liveview", {}, "one live frame (JPEG, base64) with its focus measure; not in a session"},
  };
  return v;
}

Parsed parse_request(std::string_view line) {
  if (line.size() > kMaxRequestBytes)
    return fail(nullptr, code::too_large,
                fmt::format("request of {} bytes; at most {} per line", line.size(),
                            kMaxRequestBytes));
  if (!depth_ok(line))
    return fail(nullptr, code::bad_json,
                fmt::format("JSON nested deeper than {} levels", kMaxJsonDepth));
  json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return fail(nullptr, code::bad_json, "not valid JSON (one object per line)");
  if (!j.is_object())
    return fail(nullptr, code::bad_request,
                fmt::format("a request is a JSON object, got {}", j.type_name()));
  json id = nullptr;
  if (auto it = j.find("id"); it != j.end()) {
    if (!it->is_string() && !it->is_number() && !it->is_null())
      return fail(nullptr, code::bad_request, "id must be a string, a number or null");
    id = *it;
  }
  for (const auto& [k, v] : j.items())
    if (k != "id" && k != "cmd" && k != "args")
      return fail(id, code::bad_request,
                  fmt::format("unknown key '{}'; a request has id, cmd, args", short_text(k)));
  auto cit = j.find("cmd");
  if (cit == j.end() || !cit->is_string())
    return fail(id, code::bad_request, "cmd (a string) is missing");
  const std::string cmd = cit->get<std::string>();
  const CommandSpec* spec = nullptr;
  for (const auto& c : commands())
    if (c.name == cmd) spec = &c;
  if (!spec) {
    std::string known;
    for (const auto& c : commands()) known += (known.empty() ? "" : ", ") + c.name;
    return fail(id, code::unknown_cmd,
                fmt::format("unknown command '{}'; known: {}", short_text(cmd), known));
  }
  Request r;
  r.id = id;
  r.cmd = cmd;
  if (auto ait = j.find("args"); ait != j.end() && !ait->is_null()) {
    if (!ait->is_object()) return fail(id, code::bad_args, "args must be an object");
    for (const auto& [k, v] : ait->items()) {
      const ArgSpec* a = nullptr;
      for (const auto& s : spec->args)
        if (s.name == k) a = &s;
      if (!a)
        return fail(id, code::bad_args,
                    fmt::format("{}: unknown argument '{}'", cmd, short_text(k)));
      if (!type_ok(v, a->type))
        return fail(id, code::bad_args,
                    fmt::format("{}: argument '{}' must be {}", cmd, k, type_name(a->type)));
    }
    r.args = *ait;
  }
  Parsed p;
  p.request = std::move(r);
  return p;
}

std::string dump_line(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string reply_ok(const json& id, json body) {
  if (!body.is_object()) body = json{{"result", std::move(body)}};
  json j = {{"id", id}, {"ok", true}};
  for (auto& [k, v] : body.items()) j[k] = v;
  return dump_line(j);
}

std::string reply_error(const json& id, const std::string& c, const std::string& message) {
  return dump_line({{"id", id}, {"ok", false}, {"error", {{"code", c}, {"message", message}}}});
}

std::string event_line(const std::string& type, json body) {
  json j = {{"event", type}};
  if (body.is_object())
    for (auto& [k, v] : body.items()) j[k] = v;
  return dump_line(j);
}

}  // namespace tb::daemon
