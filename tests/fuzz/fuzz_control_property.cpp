#include "fuzz_control_property.hpp"

#include <algorithm>
#include <exception>

#include "protocol.hpp"

namespace tb::fuzz {

std::string check_control_line(std::string_view line) {
  using namespace tb::daemon;
  using nlohmann::json;
  try {
    Parsed p = parse_request(line);
    std::string reply;
    json id;
    if (p.request) {
      const auto& r = *p.request;
      const auto& cmds = commands();
      auto spec = std::find_if(cmds.begin(), cmds.end(),
                               [&](const CommandSpec& c) { return c.name == r.cmd; });
      if (spec == cmds.end()) return "accepted unknown command " + r.cmd;
      if (!r.args.is_object()) return "accepted args that are not an object";
      for (const auto& [k, v] : r.args.items()) {
        bool known = false;
        for (const auto& a : spec->args) known = known || a.name == k;
        if (!known) return "accepted unknown argument " + k;
      }
      id = r.id;
      reply = reply_ok(r.id, {{"echo", r.args}});
    } else {
      const auto& codes = error_codes();
      if (std::find(codes.begin(), codes.end(), p.error.code) == codes.end())
        return "unknown error code '" + p.error.code + "'";
      if (p.error.message.empty()) return "error without a message";
      id = p.error.id;
      reply = reply_error(p.error.id, p.error.code, p.error.message);
    }
    if (reply.empty() || reply.back() != '\n' ||
        reply.find('\n') != reply.size() - 1)
      return "reply is not exactly one line";
    json back = json::parse(reply, nullptr, false);
    if (back.is_discarded() || !back.is_object()) return "reply is not a JSON object";
    if (!back.contains("ok") || !back["ok"].is_boolean()) return "reply without ok";
    // Numbers may be re-encoded (1.0 -> 1.0); compare what a client would compare.
    if (back["id"].dump() != json::parse(id.dump()).dump()) return "reply does not echo the id";
    return {};
  } catch (const std::exception& e) {
    return std::string("exception: ") + e.what();
  }
}

}  // namespace tb::fuzz
