// Buttons on edge events. Everything is decided on the kernel's timeline (edge timestamps on
// CLOCK_MONOTONIC, compared with the Clock's steady time), so a slow consumer changes when an
// event is seen, never what it is: a bounce burst is one change, timed by its first edge.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <deque>

#include "tetherbox/hal/gpiod/gpiod_devices.hpp"

namespace tb::hal::gpiod_backend {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;

struct ButtonState {
  ButtonSpec spec;
  std::string where;  // resolved line, for messages
  bool failed = false;
  bool stable = false;       // debounced: pressed
  bool raw = false;          // last level seen: pressed
  bool pending = false;      // edges seen since the last stable level, not yet settled
  SteadyTime burst_start{};  // first edge of the pending change
  SteadyTime last_edge{};
  SteadyTime press_start{};  // first edge of the current press
  bool long_reported = false;
};

class GpiodButtons final : public Buttons {
 public:
  GpiodButtons(std::vector<ButtonState> buttons, std::unique_ptr<InputLines> lines,
               ButtonOptions options, std::shared_ptr<Clock> clock)
      : buttons_(std::move(buttons)),
        lines_(std::move(lines)),
        options_(std::move(options)),
        clock_(std::move(clock)) {}

  std::optional<ButtonEvent> wait_press(milliseconds timeout) override {
    const SteadyTime deadline = clock_->now_steady() + timeout;
    bool polled = false;  // even a zero timeout collects the edges already queued
    for (;;) {
      settle(clock_->now_steady());
      if (!ready_.empty()) {
        ButtonEvent ev = std::move(ready_.front());
        ready_.pop_front();
        return ev;
      }
      const SteadyTime now = clock_->now_steady();
      if (polled && now >= deadline) return std::nullopt;
      const SteadyTime wake = std::min(deadline, next_timer().value_or(deadline));
      if (all_failed()) {
        // No line can end the wait, but a wake still must (the lines then wait on it alone).
        if (lines_->can_wake())
          lines_->wait_wake(std::max(nanoseconds(0), deadline - now));
        else if (deadline > now)
          clock_->sleep_for(deadline - now);
        woken_ = false;
        return std::nullopt;
      }
      auto batch = lines_->wait_edges(std::max(nanoseconds(0), wake - now));
      polled = true;
      if (!batch) {
        for (auto& b : buttons_)
          if (!b.failed) fail(b, batch.error().message);
        continue;
      }
      for (auto& [index, err] : batch->failed)
        if (index < buttons_.size() && !buttons_[index].failed) fail(buttons_[index], err.message);
      for (const RawEdge& e : batch->edges)
        if (e.index < buttons_.size() && !buttons_[e.index].failed) feed(buttons_[e.index], e);
      // Woken: a press that settled with these edges is still handed out; else nothing.
      if (woken_.exchange(false)) {
        settle(clock_->now_steady());
        if (ready_.empty()) return std::nullopt;
      }
    }
  }

  bool can_wake() const override { return lines_->can_wake(); }
  void wake() override {
    woken_ = true;
    lines_->wake();
  }

  Status status() const override {
    if (faults_.empty()) return ok_status();
    std::string msg;
    for (const auto& f : faults_) msg += (msg.empty() ? "" : "; ") + f;
    return Error{Errc::io, msg};
  }

 private:
  void fail(ButtonState& b, const std::string& why) {
    b.failed = true;
    faults_.push_back(
        fmt::format("button '{}' on {}: {}; its presses are no longer seen (check "
                    "the wiring and `gpioinfo`)",
                    b.spec.name, b.where, why));
    spdlog::error("gpiod: {}", faults_.back());
  }

  bool all_failed() const {
    return std::all_of(buttons_.begin(), buttons_.end(),
                       [](const ButtonState& b) { return b.failed; });
  }

  void feed(ButtonState& b, const RawEdge& e) {
    const bool pressed = b.spec.active_low ? !e.rising : e.rising;
    // The gap before this edge may already have settled the previous change.
    if (b.pending && e.ts - b.last_edge >= b.spec.debounce)
      commit(b, b.last_edge + b.spec.debounce);
    if (!b.pending) {
      if (pressed == b.stable) return;  // an edge to the level we hold: a lost edge, nothing new
      b.pending = true;
      b.burst_start = e.ts;
    }
    b.raw = pressed;
    b.last_edge = e.ts;
  }

  void commit(ButtonState& b, SteadyTime at) {
    b.pending = false;
    if (b.raw == b.stable) {
      check_long(b, at);  // a glitch during a hold: the hold goes on
      return;
    }
    b.stable = b.raw;
    if (b.stable) {
      b.press_start = b.burst_start;
      b.long_reported = false;
      if (b.spec.long_action.empty()) emit(b, b.spec.action, false, b.press_start, milliseconds(0));
      return;
    }
    const auto held = duration_cast<milliseconds>(b.burst_start - b.press_start);
    if (!b.spec.long_action.empty() && !b.long_reported) {
      if (b.burst_start - b.press_start >= options_.long_press)
        emit(b, b.spec.long_action, true, b.press_start, held);  // released before we looked
      else
        emit(b, b.spec.action, false, b.press_start, held);
    }
  }

  // A hold that reached the long-press time is reported while the button is still down.
  // Whether the long-press mark can still decide this press. A release that began before the
  // mark decides instead, once it settles (and its settle time is the timer to wait for).
  bool long_due(const ButtonState& b) const {
    if (!b.stable || b.spec.long_action.empty() || b.long_reported) return false;
    return !(b.pending && !b.raw && b.burst_start < b.press_start + options_.long_press);
  }

  void check_long(ButtonState& b, SteadyTime now) {
    if (!long_due(b) || now < b.press_start + options_.long_press) return;
    b.long_reported = true;
    emit(b, b.spec.long_action, true, b.press_start, options_.long_press);
  }

  void settle(SteadyTime now) {
    for (auto& b : buttons_) {
      if (b.failed) continue;
      if (b.pending && now - b.last_edge >= b.spec.debounce)
        commit(b, b.last_edge + b.spec.debounce);
      check_long(b, now);
    }
  }

  std::optional<SteadyTime> next_timer() const {
    std::optional<SteadyTime> t;
    auto take = [&](SteadyTime x) { t = t ? std::min(*t, x) : x; };
    for (const auto& b : buttons_) {
      if (b.failed) continue;
      if (b.pending) take(b.last_edge + b.spec.debounce);
      if (long_due(b)) take(b.press_start + options_.long_press);
    }
    return t;
  }

  void emit(const ButtonState& b, const std::string& action, bool long_press, SteadyTime edge,
            milliseconds held) {
    ButtonEvent ev;
    ev.name = b.spec.name;
    ev.action = action;
    ev.long_press = long_press;
    ev.held = held;
    // The edge on the UTC scale: as long ago as it is on the steady scale.
    const auto age = clock_->now_steady() - edge;
    ev.edge_utc = clock_->now_utc() - duration_cast<UtcTime::duration>(age);
    // Several buttons can settle in one pass: keep the queue in edge order.
    auto pos = std::find_if(ready_.begin(), ready_.end(),
                            [&](const ButtonEvent& q) { return q.edge_utc > ev.edge_utc; });
    ready_.insert(pos, std::move(ev));
  }

  std::vector<ButtonState> buttons_;
  std::unique_ptr<InputLines> lines_;
  ButtonOptions options_;
  std::shared_ptr<Clock> clock_;
  std::deque<ButtonEvent> ready_;
  std::vector<std::string> faults_;
  std::atomic<bool> woken_{false};  // wake() since the last wait_edges returned
};

}  // namespace

Result<std::unique_ptr<Buttons>> open_buttons(const std::vector<ButtonSpec>& specs,
                                              const ButtonOptions& options,
                                              std::shared_ptr<LineSource> source,
                                              std::shared_ptr<Clock> clock) {
  std::vector<LineAddress> addrs;
  std::vector<ButtonState> buttons;
  for (const auto& s : specs) {
    if (s.debounce < milliseconds(0))
      return make_error(Errc::invalid, "button '{}': negative debounce time", s.name);
    auto addr = resolve_line(s.line, *source);
    if (!addr)
      return make_error(addr.error().code, "button '{}': {}", s.name, addr.error().message);
    for (size_t i = 0; i < addrs.size(); ++i)
      if (addrs[i].chip_path == addr->chip_path && addrs[i].offset == addr->offset)
        return make_error(Errc::invalid,
                          "buttons '{}' and '{}' are both on {}; give each its own line",
                          buttons[i].spec.name, s.name, addr->describe);
    ButtonState b;
    b.spec = s;
    b.where = addr->describe;
    buttons.push_back(std::move(b));
    addrs.push_back(std::move(*addr));
  }
  auto lines = source->request_inputs(addrs, options.consumer);
  if (!lines) return lines.error();
  // A button already held when we start is not a press: its release must come first.
  auto levels = (*lines)->read_levels();
  if (!levels)
    return make_error(levels.error().code, "buttons: reading the initial levels: {}",
                      levels.error().message);
  for (size_t i = 0; i < buttons.size() && i < levels->size(); ++i) {
    const bool pressed = buttons[i].spec.active_low ? !(*levels)[i] : (*levels)[i];
    buttons[i].stable = buttons[i].raw = pressed;
    // Treat it as a press already reported, so neither a short nor a long press comes of it.
    buttons[i].press_start = clock->now_steady();
    buttons[i].long_reported = true;
  }
  return std::unique_ptr<Buttons>(std::make_unique<GpiodButtons>(
      std::move(buttons), std::move(*lines), options, std::move(clock)));
}

}  // namespace tb::hal::gpiod_backend
