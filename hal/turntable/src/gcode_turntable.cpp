// G-code turntable: every command waits for its `ok`; a move is "G1 X.. F.." followed by a
// command the controller only acknowledges once motion has finished (GRBL: G4 P0, Marlin: M400).
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <optional>
#include <thread>

#include "serial_port.hpp"
#include "tetherbox/hal/turntable/gcode_turntable.hpp"

namespace tb::hal::turntable {
namespace {

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  return true;
}

bool is_banner(std::string_view line) {
  return line.rfind("Grbl ", 0) == 0 || line == "start";  // GRBL / Marlin after a reset
}

// Lines a controller sends unasked while it works: GRBL status/feedback, Marlin echo/busy.
bool is_chatter(std::string_view line) {
  return line.empty() || line[0] == '<' || line[0] == '[' || starts_with_ci(line, "echo:") ||
         starts_with_ci(line, "busy:") || starts_with_ci(line, "//");
}

bool printable(std::string_view line) {
  return std::all_of(line.begin(), line.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u == '\t' || (u >= 0x20 && u < 0x7f);
  });
}

std::optional<int> code_after(std::string_view line, size_t prefix) {
  if (line.size() <= prefix) return std::nullopt;
  int v = 0;
  for (size_t i = prefix; i < line.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(line[i]))) return std::nullopt;
    v = v * 10 + (line[i] - '0');
    if (v > 100000) return std::nullopt;
  }
  return v;
}

std::string shown(std::string_view line) {
  std::string out;
  for (char c : line.substr(0, 40)) {
    auto u = static_cast<unsigned char>(c);
    out += (u >= 0x20 && u < 0x7f) ? std::string(1, c) : fmt::format("\\x{:02x}", u);
  }
  return out;
}

class GcodeTurntable final : public Turntable {
 public:
  GcodeTurntable(GcodeOptions opt, SerialPort port)
      : opt_(std::move(opt)), port_(std::move(port)) {}

  Status connect() {
    // A board that resets when the port opens prints its banner first and drops what arrived
    // meanwhile: a probe answered by a banner is sent once more.
    port_.discard_input();
    auto r = command(wait_command(), opt_.startup_ms + opt_.timeout_ms, /*banner_ok=*/true);
    if (!r && reset_seen_) {
      reset_seen_ = false;
      r = command(wait_command(), opt_.timeout_ms, false);
    }
    // GRBL with homing enabled starts locked (error:9) until $H: alive, but home() must run.
    if (!r && r.error().code == Errc::refused &&
        r.error().message.find("error:9") != std::string::npos) {
      spdlog::warn(
          "gcode turntable on {}: controller is locked in alarm state; the homing "
          "cycle (turntable.gcode.home_on_start) unlocks it",
          port_.path());
      return ok_status();
    }
    if (!r)
      return Error{r.error().code, fmt::format("{} (is a GRBL/Marlin controller connected "
                                               "there at {} baud?)",
                                               r.error().message, opt_.baud)};
    return ok_status();
  }

  TurntableInfo info() const override { return TurntableInfo{"gcode", false, opt_.step_deg}; }

  Status home() override {
    if (opt_.home_on_start) {
      // The homing cycle may take as long as a full turn at the search speed.
      int budget = opt_.timeout_ms + move_ms(opt_.units_per_rev * opt_.gear_ratio) * 4;
      TB_TRY(command(opt_.dialect == "marlin" ? fmt::format("G28 {}", opt_.axis) : "$H", budget,
                     false));
    }
    if (!opt_.home_on_start)
      spdlog::warn(
          "gcode turntable on {}: no homing cycle (turntable.gcode.home_on_start: false); the "
          "table's current angle is azimuth 0, so after a stop put it back at its start mark "
          "before resuming",
          port_.path());
    TB_TRY(command("G90", opt_.timeout_ms, false));  // absolute coordinates
    // Whatever the axis reads now is azimuth 0 from here on.
    TB_TRY(command(fmt::format("G92 {}0", opt_.axis), opt_.timeout_ms, false));
    axis_deg_ = 0.0;
    pose_.azimuth_deg = 0.0;
    known_ = true;
    return ok_status();
  }

  Status move_to(const RigPose& pose) override {
    if (!std::isfinite(pose.azimuth_deg))
      return make_error(Errc::invalid, "gcode turntable on {}: azimuth {} is not a number",
                        port_.path(), pose.azimuth_deg);
    if (!known_)
      return make_error(Errc::invalid,
                        "gcode turntable on {}: position unknown ({}); home it before moving",
                        port_.path(), unknown_why_);
    // Turn the short way round to the same azimuth rather than unwinding to 0..360.
    double current = std::fmod(axis_deg_, 360.0);
    double delta = std::remainder(pose.azimuth_deg - current, 360.0);
    double target_deg = axis_deg_ + delta;
    double units = target_deg / 360.0 * opt_.units_per_rev * opt_.gear_ratio;
    double span = std::abs(delta) / 360.0 * opt_.units_per_rev * opt_.gear_ratio;
    TB_TRY(motion(fmt::format("G1 {}{:.4f} F{:.1f}", opt_.axis, units, opt_.feed)));
    // The controller answers the wait command only when the planner has emptied.
    TB_TRY(motion_wait(opt_.timeout_ms + 2 * move_ms(span)));
    axis_deg_ = target_deg;
    pose_ = pose;
    if (opt_.settle_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(opt_.settle_ms));
    return ok_status();
  }

  RigPose position() const override { return pose_; }

 private:
  std::string wait_command() const { return opt_.dialect == "marlin" ? "M400" : "G4 P0"; }

  int move_ms(double units) const {
    return static_cast<int>(std::min(3.6e6, units / opt_.feed * 60000.0));
  }

  Status motion(const std::string& cmd) {
    return lose_position_on_fault(command(cmd, opt_.timeout_ms, false));
  }
  Status motion_wait(int budget_ms) {
    return lose_position_on_fault(command(wait_command(), budget_ms, false));
  }

  // After a fault in the middle of a move nobody knows where the table stopped.
  Status lose_position_on_fault(Status s) {
    if (!s && s.error().code != Errc::refused) {
      known_ = false;
      unknown_why_ = s.error().message;
    }
    return s;
  }

  // Sends one line and waits for its `ok`. refused: error:N (position kept, the controller
  // rejected the line); mismatch: a reset banner; timeout, invalid (garbage), disconnected.
  Status command(const std::string& cmd, int budget_ms, bool banner_ok) {
    port_.discard_input();
    TB_TRY(port_.write_all(cmd + "\n", opt_.timeout_ms));
    spdlog::debug("gcode {} > {}", port_.path(), cmd);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(budget_ms);
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      auto line = port_.read_line(static_cast<int>(std::max<long>(0, left.count())));
      if (!line) {
        const auto& e = line.error();
        if (e.code == Errc::timeout)
          return make_error(Errc::timeout,
                            "gcode turntable on {}: no 'ok' to '{}' within {} ms; is the "
                            "controller powered and connected?",
                            port_.path(), cmd, budget_ms);
        return make_error(e.code, "gcode turntable on {}: during '{}': {}", port_.path(), cmd,
                          e.message);
      }
      const std::string& l = *line;
      spdlog::debug("gcode {} < {}", port_.path(), shown(l));
      if (l == "ok") return ok_status();
      if (!printable(l))
        return make_error(Errc::invalid,
                          "gcode turntable on {}: garbage '{}' in reply to '{}'; is this a "
                          "G-code controller at {} baud?",
                          port_.path(), shown(l), cmd, opt_.baud);
      if (starts_with_ci(l, "error:")) {
        auto code = code_after(l, 6);
        std::string meaning = code ? grbl_error_meaning(*code) : std::string(l.substr(6));
        return make_error(Errc::refused, "gcode turntable on {}: controller refused '{}': {}{}",
                          port_.path(), cmd, l,
                          meaning.empty() ? std::string() : fmt::format(" ({})", meaning));
      }
      if (l.rfind("ALARM:", 0) == 0) {
        auto code = code_after(l, 6);
        std::string meaning = code ? grbl_alarm_meaning(*code) : std::string();
        known_ = false;
        unknown_why_ = l;
        return make_error(Errc::io, "gcode turntable on {}: controller alarm during '{}': {}{}",
                          port_.path(), cmd, l,
                          meaning.empty() ? std::string() : fmt::format(" ({})", meaning));
      }
      if (is_banner(l)) {
        reset_seen_ = true;
        if (banner_ok) {
          spdlog::info("gcode turntable on {}: controller started: {}", port_.path(), l);
          return make_error(Errc::mismatch, "gcode turntable on {}: controller restarted",
                            port_.path());
        }
        known_ = false;
        unknown_why_ = fmt::format("the controller reset ('{}')", shown(l));
        return make_error(Errc::mismatch,
                          "gcode turntable on {}: controller reset during '{}' (it printed "
                          "'{}'); position unknown, home required",
                          port_.path(), cmd, shown(l));
      }
      if (is_chatter(l)) {
        // Marlin's "busy: processing" is a keep-alive: the move is still running.
        auto floor = std::chrono::steady_clock::now() + std::chrono::milliseconds(opt_.timeout_ms);
        deadline = std::max(deadline, floor);
        continue;
      }
      spdlog::info("gcode turntable on {}: ignoring '{}'", port_.path(), shown(l));
    }
  }

  GcodeOptions opt_;
  SerialPort port_;
  RigPose pose_{};
  double axis_deg_ = 0.0;  // unwrapped: the axis counts whole turns
  bool known_ = false;
  bool reset_seen_ = false;
  std::string unknown_why_ = "not homed yet";
};

}  // namespace

Result<std::unique_ptr<Turntable>> make_gcode_turntable(const GcodeOptions& opt) {
  if (opt.dialect != "grbl" && opt.dialect != "marlin")
    return make_error(Errc::invalid, "gcode turntable: dialect '{}' is not grbl or marlin",
                      opt.dialect);
  if (!(opt.units_per_rev > 0) || !(opt.gear_ratio > 0) || !(opt.feed > 0))
    return make_error(Errc::invalid,
                      "gcode turntable on {}: units_per_rev, gear_ratio and feed must be > 0",
                      opt.port);
  if (opt.port.empty())
    return make_error(Errc::invalid,
                      "gcode turntable: no serial port configured; set turntable.gcode.port "
                      "(e.g. /dev/ttyUSB0)");
  auto port = SerialPort::open(opt.port, opt.baud);
  if (!port) return port.error();
  auto t = std::make_unique<GcodeTurntable>(opt, std::move(*port));
  TB_TRY(t->connect());
  return std::unique_ptr<Turntable>(std::move(t));
}

}  // namespace tb::hal::turntable
