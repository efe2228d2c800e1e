#include "client.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "connection.hpp"
#include "tetherbox/common/console.hpp"

namespace tb::client {
namespace {

using nlohmann::json;

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string str(const json& j, const char* k) {
  auto it = j.find(k);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string num(const json& j, const char* k, const char* f = "{:.1f}", const char* none = "-") {
  auto it = j.find(k);
  if (it == j.end() || !it->is_number()) return none;
  return fmt::format(fmt::runtime(f), it->get<double>());
}

std::string bytes_text(double b) {
  if (b >= 1e9) return fmt::format("{:.1f} GB", b / 1e9);
  if (b >= 1e6) return fmt::format("{:.1f} MB", b / 1e6);
  return fmt::format("{:.0f} kB", b / 1e3);
}

std::string eta_text(double s) {
  if (s <= 0) return "-";
  int t = static_cast<int>(s + 0.5);
  return t >= 3600 ? fmt::format("{}h{:02}m", t / 3600, t / 60 % 60)
                   : fmt::format("{}m{:02}s", t / 60, t % 60);
}

// A status reply's member, or an empty object when the daemon left it out (a daemon still
// starting, or an older one): printing status must never abort on a missing key, and .value()
// on an empty object gives its default.
const json& field(const json& j, const char* key) {
  static const json kEmpty = json::object();
  if (!j.is_object()) return kEmpty;
  const auto it = j.find(key);
  return it == j.end() || it->is_null() ? kEmpty : *it;
}

// Issue 13 item 7: per finished bag, every place it lives (this disk, remotes it was synced to,
// second copies), with the time each was verified, and the idle sync's state. The daemon
// lists only places that still hold the bag's current manifest.
std::string places_text(const json& s) {
  std::string o;
  const auto& sync = field(s, "sync");
  if (sync.value("when_idle", false)) {
    const auto state = str(sync, "state");
    o += fmt::format(
        "sync     {} (when idle, {} remote{}), {} synced{}{}\n", state,
        field(sync, "remotes").size(), field(sync, "remotes").size() == 1 ? "" : "s",
        sync.value("synced", size_t{0}),
        state == "syncing" ? fmt::format("; now {} to {}", str(sync, "bag"), str(sync, "remote"))
                           : "",
        str(sync, "last_error").empty() ? "" : "; last error: " + str(sync, "last_error"));
  }
  const auto& bags = field(s, "bags");
  if (!bags.is_array()) return o;
  for (const auto& b : bags) {
    const auto& places = field(b, "places");
    if (!places.is_array()) continue;
    o += fmt::format("bag      {} ({} place{})\n", str(b, "bag"), places.size(),
                     places.size() == 1 ? "" : "s");
    for (const auto& p : places) {
      const auto type = str(p, "type");
      const char* what = type == "local"          ? "local"
                         : type == "sync"         ? "synced"
                         : type == "sync-partial" ? "partial"
                         : type == "copy"         ? "copy"
                                                  : nullptr;
      o += fmt::format("  {:<8} {}{}\n", what ? what : type, str(p, "place"),
                       str(p, "utc").empty() ? "" : ", verified " + str(p, "utc"));
    }
  }
  return o;
}

std::string status_text(const json& s) {
  std::string o;
  const auto& c = field(s, "camera");
  if (c.value("connected", false))
    o += fmt::format("camera   {} ({}) connected; battery {}\n", str(c, "model"),
                     str(c, "backend"),
                     field(c, "battery_pct").is_number() ? num(c, "battery_pct", "{:.0f} %")
                                                  : "not reported");
  else
    o += fmt::format("camera   {} not connected{}\n", str(c, "backend"),
                     str(c, "error").empty() ? "" : ": " + str(c, "error"));
  if (s.contains("devices") && field(field(s, "devices"), "left_out").is_array())
    for (const auto& e : field(field(s, "devices"), "left_out"))
      if (e.is_string()) o += fmt::format("device   left out: {}\n", e.get<std::string>());
  const auto& g = field(s, "gps");
  if (!g.value("configured", false))
    o += "gps      none configured\n";
  else if (str(g, "fix") == "none" || str(g, "fix").empty())
    o += fmt::format("gps      no fix{}\n", field(g, "age_s").is_number()
                                                ? fmt::format(" (last reading {} s ago)",
                                                              num(g, "age_s"))
                                                : "");
  else
    o += fmt::format("gps      {} fix {}, {}{}, age {} s\n", str(g, "fix"),
                     num(g, "lat_deg", "{:.6f}"), num(g, "lon_deg", "{:.6f}"),
                     field(g, "alt_msl_m").is_number() ? ", " + num(g, "alt_msl_m") + " m MSL" : "",
                     num(g, "age_s"));
  const auto& a = field(s, "ambient");
  if (!a.value("configured", false))
    o += "ambient  none configured\n";
  else if (!field(a, "age_s").is_number())
    o += fmt::format("ambient  unavailable{}\n",
                     str(a, "error").empty() ? "" : ": " + str(a, "error"));
  else
    o += fmt::format("ambient  {} °C, {} %RH, {} hPa, age {} s\n", num(a, "temperature_c"),
                     num(a, "humidity_pct", "{:.0f}"), num(a, "pressure_hpa", "{:.0f}"),
                     num(a, "age_s"));
  const auto& d = field(s, "disk");
  o += fmt::format("disk     {}: {} free", str(d, "root"),
                   field(d, "free_bytes").is_number() ? bytes_text(field(d, "free_bytes").get<double>())
                                               : "unknown");
  if (field(d, "frames_left").is_number())
    o += fmt::format(", room for ~{} frames at {}/frame", field(d, "frames_left").get<uint64_t>(),
                     bytes_text(field(d, "frame_bytes").get<double>()));
  else
    o += ", frame size not known yet";
  o += "\n";
  if (d.contains("error") && field(d, "error").is_string())
    o += fmt::format("disk     cannot take a session: {}\n", field(d, "error").get<std::string>());
  const auto& ss = field(s, "session");
  const auto state = str(ss, "state");
  if (state == "idle") {
    o += "session  idle\n";
  } else {
    const auto total = ss.value("total", size_t{0});
    o += fmt::format("session  {} '{}': {}/{} frames, {} fr/s, ETA {}, {} faults{}\n", state,
                     str(ss, "name"), ss.value("done", size_t{0}),
                     total ? std::to_string(total) : "?", num(ss, "frames_per_s", "{:.2f}"),
                     eta_text(ss.value("eta_s", 0.0)), ss.value("faults", size_t{0}),
                     str(ss, "last_name").empty() ? "" : ", last " + str(ss, "last_name"));
  }
  const auto& last = field(s, "last_session");
  if (last.is_object() && !last.empty()) {
    if (last.value("ok", false))
      o += fmt::format("last     '{}': {} frames, {}{}\n", str(last, "session"),
                       last.value("done", size_t{0}),
                       last.value("complete", false) ? "complete" : "incomplete",
                       str(last, "bag").empty() ? "" : " in " + str(last, "bag"));
    else
      o += fmt::format("last     '{}' failed: {}\n", str(last, "session"), str(last, "error"));
  }
  for (const auto& b : field(s, "open_sessions"))
    o += fmt::format("open     {} (not finalized: tetherbox resume-session)\n",
                     b.get<std::string>());
  if (field(s, "daemon").value("pending_reload", false))
    o += "reload   pending: applied when the session ends\n";
  return o + places_text(s);
}

std::string event_text(const json& e) {
  std::string o = str(e, "utc") + "  " + str(e, "event");
  for (const auto& [k, v] : e.items()) {
    if (k == "utc" || k == "event" || v.is_null()) continue;
    o += " " + k + "=" + (v.is_string() ? v.get<std::string>() : dump(v));
  }
  return o + "\n";
}

std::string unbase64(const std::string& in) {
  std::string out;
  uint32_t v = 0;
  int bits = 0;
  for (char ch : in) {
    int d;
    if (ch >= 'A' && ch <= 'Z') d = ch - 'A';
    else if (ch >= 'a' && ch <= 'z') d = ch - 'a' + 26;
    else if (ch >= '0' && ch <= '9') d = ch - '0' + 52;
    else if (ch == '+') d = 62;
    else if (ch == '/') d = 63;
    else continue;  // '=' padding
    v = (v << 6) | static_cast<uint32_t>(d);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((v >> bits) & 0xff);
    }
  }
  return out;
}

// The JPEG goes to a temp file renamed over FILE, so a viewer never sees half a frame.
Status write_frame(const std::string& path, const std::string& bytes) {
  const std::string tmp = path + ".tmp";
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) return make_error(Errc::io, "cannot write {}", tmp);
  const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  if (std::fclose(f) != 0 || !ok || std::rename(tmp.c_str(), path.c_str()) != 0)
    return make_error(Errc::io, "cannot write {}", path);
  return {};
}

int refused(const json& reply);

int liveview(Connection& c, const ClientArgs& a) {
  for (;;) {
    auto r = c.call("liveview");
    if (!r) {
      console::err(fmt::format("error: {}\n", r.error().message));
      return 1;
    }
    if (!r->value("ok", false)) return refused(*r);
    if (!a.out.empty()) {
      if (auto st = write_frame(a.out, unbase64(str(*r, "jpeg_base64"))); !st.ok()) {
        console::err(fmt::format("error: {}\n", st.error().message));
        return 1;
      }
    }
    if (a.json) {
      json j = *r;
      j.erase("jpeg_base64");
      console::out(dump(j) + "\n");
    } else {
      console::out(fmt::format("focus {:.1f}  ({}x{}){}\n", (*r)["focus"].get<double>(),
                               (*r)["width"].get<int>(), (*r)["height"].get<int>(),
                               a.out.empty() ? "" : "  -> " + a.out));
    }
    if (!a.stream) return 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

int refused(const json& reply) {
  const auto& e = reply["error"];
  console::err(fmt::format("error: {} ({})\n", str(e, "message"), str(e, "code")));
  return 1;
}

int fail(const Error& e) {
  console::err(fmt::format("error: {}\n", e.message));
  return 1;
}

// Follows the session just started until its session_end; 0 when it is complete, 3 otherwise.
int wait_session(Connection& c, bool as_json) {
  for (;;) {
    auto ev = c.next();
    if (!ev) return fail(ev.error());
    if (!ev->contains("event")) continue;
    if (as_json)
      console::out(dump(*ev) + "\n");
    else if (str(*ev, "event") == "frame")
      console::err(fmt::format("frames {}/{}  {}\n", (*ev)["done"].get<size_t>(),
                               (*ev)["total"].get<size_t>(), str(*ev, "name")));
    else
      console::err(event_text(*ev));
    if (str(*ev, "event") != "session_end") continue;
    if (!ev->value("ok", false)) return 1;
    if (!as_json) console::out(str(*ev, "bag") + "\n");
    return ev->value("complete", false) ? 0 : 3;
  }
}

}  // namespace

int run_client(const ClientArgs& a) {
  auto conn = Connection::open(a.socket);
  if (!conn) return fail(conn.error());
  Connection& c = *conn;
  json args = json::object();
  std::string cmd = a.cmd;
  if (cmd == "start" && !a.config.empty()) {
    std::error_code ec;
    args["config"] = std::filesystem::absolute(a.config, ec).string();
  }
  if (cmd == "resume-session" && !a.bag.empty()) {
    std::error_code ec;
    args["bag"] = std::filesystem::absolute(a.bag, ec).string();
  }
  if (cmd == "pause" && a.pause_off) args["on"] = false;
  if (cmd == "trigger" && a.long_press) args["long"] = true;
  if (cmd == "log" && !a.follow) args["lines"] = a.lines;

  if (cmd == "status" && a.follow) {
    for (;;) {
      auto r = c.call("status");
      if (!r) return fail(r.error());
      if (!r->value("ok", false)) return refused(*r);
      if (a.json)
        console::out(dump(*r) + "\n");
      else
        console::out(status_text(*r) + "\n");
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
  }
  if (cmd == "liveview") return liveview(c, a);
  const bool subscribe = (cmd == "log" && a.follow) ||
                         ((cmd == "start" || cmd == "resume-session") && a.follow);
  if (subscribe) {
    auto r = c.call("subscribe");
    if (!r) return fail(r.error());
    if (!r->value("ok", false)) return refused(*r);
  }
  if (cmd == "log" && a.follow) {
    for (;;) {
      auto ev = c.next();
      if (!ev) return fail(ev.error());
      console::out(a.json ? dump(*ev) + "\n" : event_text(*ev));
    }
  }
  auto r = c.call(cmd, args);
  if (!r) return fail(r.error());
  if (!r->value("ok", false)) {
    if (a.json) console::out(dump(*r) + "\n");
    return refused(*r);
  }
  if (a.follow && (cmd == "start" || cmd == "resume-session")) {
    if (a.json) console::out(dump(*r) + "\n");
    return wait_session(c, a.json);
  }
  if (a.json) {
    console::out(dump(*r) + "\n");
    return 0;
  }
  const json& j = *r;
  if (cmd == "status") {
    console::out(status_text(j));
  } else if (cmd == "start" || cmd == "resume-session") {
    console::out(fmt::format("session '{}' started{}{}\n", str(j, "session"),
                             j.value("planned", size_t{0})
                                 ? fmt::format(" ({} frames planned)", j["planned"].get<size_t>())
                                 : "",
                             str(j, "resume").empty() ? "" : "; resuming " + str(j, "resume")));
  } else if (cmd == "stop") {
    console::out(fmt::format("stopping '{}' after the frame in flight\n", str(j, "session")));
  } else if (cmd == "pause") {
    console::out(fmt::format("'{}' {}\n", str(j, "session"),
                             j.value("paused", false) ? "paused" : "continues"));
  } else if (cmd == "trigger") {
    console::out(j.value("started", false)
                     ? fmt::format("long press: session '{}' started\n", str(j, "session"))
                     : j.value("long", false) ? "long press: the session ends\n"
                                              : "pressed\n");
  } else if (cmd == "reload") {
    console::out(j.value("applied", false) ? "config reloaded\n"
                                           : "config valid; " + str(j, "message") + "\n");
  } else if (cmd == "sessions") {
    for (const auto& s : j["sessions"])
      console::out(fmt::format("{:<11} {:>6} frames  {}\n", str(s, "state"),
                               s.value("frames", size_t{0}), str(s, "bag")));
  } else if (cmd == "log") {
    for (const auto& e : j["events"]) console::out(event_text(e));
  }
  return 0;
}

}  // namespace tb::client
