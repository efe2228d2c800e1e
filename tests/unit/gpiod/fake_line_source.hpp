#pragma once
// A LineSource for unit tests: chips with named lines, and a script of edges (and line
// failures) on the kernel's timeline. Time is a ManualClock: wait_edges() moves it to the next
// scripted event (as the kernel would wake poll) or to the end of the timeout.
#include <algorithm>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "tetherbox/hal/clock.hpp"
#include "tetherbox/hal/gpiod/line_resolve.hpp"
#include "tetherbox/hal/gpiod/line_source.hpp"

namespace tb::hal::gpiod_backend::testing {

using namespace std::chrono_literals;

class ManualClock final : public Clock {
 public:
  static constexpr SteadyTime kStart{std::chrono::seconds(1000)};
  UtcTime now_utc() const override { return utc_at(steady_); }
  SteadyTime now_steady() const override { return steady_; }
  double utc_uncertainty_s() const override { return 0.001; }
  void sleep_for(std::chrono::nanoseconds d) override {
    slept_ += d;
    steady_ += d;
  }
  void advance_to(SteadyTime t) { steady_ = std::max(steady_, t); }
  static UtcTime utc_at(SteadyTime t) {
    return UtcTime(std::chrono::seconds(1'800'000'000)) +
           std::chrono::duration_cast<UtcTime::duration>(t - kStart);
  }
  std::chrono::nanoseconds slept() const { return slept_; }

 private:
  SteadyTime steady_ = kStart;
  std::chrono::nanoseconds slept_{0};
};

inline SteadyTime at(std::chrono::milliseconds ms) {
  return ManualClock::kStart + ms;
}

class FakeLineSource final : public LineSource {
 public:
  using Key = std::pair<std::string, unsigned>;  // chip path, offset

  explicit FakeLineSource(std::shared_ptr<ManualClock> clock) : clock_(std::move(clock)) {}

  // A Raspberry Pi 5 as its kernel shows it: pinctrl-rp1 with GPIO0..53 named, plus others.
  static std::shared_ptr<FakeLineSource> pi5(std::shared_ptr<ManualClock> clock) {
    auto s = std::make_shared<FakeLineSource>(std::move(clock));
    std::vector<std::string> rp1;
    for (int i = 0; i < 54; ++i) rp1.push_back(i < 28 ? "GPIO" + std::to_string(i) : "");
    s->add_chip("gpiochip0", "gpio-brcmstb@107d508500", std::vector<std::string>(32, ""));
    s->add_chip("gpiochip4", "pinctrl-rp1", rp1);
    s->add_chip("gpiochip10", "gpio-brcmstb@107d517c00", {"RP1_SDA", "RP1_SCL", "RP1_RUN"});
    return s;
  }

  void add_chip(const std::string& name, const std::string& label, std::vector<std::string> lines) {
    chips_.push_back(ChipInfo{"/dev/" + name, name, label, std::move(lines), {}});
  }
  void add_unopenable_chip(const std::string& name, const std::string& why) {
    chips_.push_back(ChipInfo{"/dev/" + name, name, "", {}, why});
  }
  void set_busy(const std::string& chip, unsigned offset, const std::string& consumer) {
    busy_[{"/dev/" + chip, offset}] = consumer;
  }
  void set_level(const std::string& chip, unsigned offset, bool high) {
    initial_[{"/dev/" + chip, offset}] = high;
  }
  void edge(const std::string& chip, unsigned offset, bool rising, SteadyTime ts) {
    script_.push_back({ts, {"/dev/" + chip, offset}, rising, false});
    sort_script();
  }
  // A press on an active-low button: falling at `down`, rising at `up`.
  void press_low(const std::string& chip, unsigned offset, std::chrono::milliseconds down,
                 std::chrono::milliseconds up) {
    edge(chip, offset, false, at(down));
    edge(chip, offset, true, at(up));
  }
  void fail_line_at(const std::string& chip, unsigned offset, SteadyTime ts) {
    script_.push_back({ts, {"/dev/" + chip, offset}, false, true});
    sort_script();
  }
  void fail_request_at(SteadyTime ts) { request_fails_at_ = ts; }
  void fail_writes_to(const std::string& chip, unsigned offset) {
    failing_writes_.insert({"/dev/" + chip, offset});
  }

  // Whether the requested inputs can be woken (as the real ones, with their eventfd).
  bool wakeable = true;

  // Observations.
  std::map<Key, bool> levels;                             // outputs: physical level now
  std::vector<std::tuple<Key, bool, SteadyTime>> writes;  // every output write (not the initial)
  int wait_calls = 0;

  Result<std::vector<ChipInfo>> list_chips() override { return chips_; }

  Result<ChipInfo> probe_chip(const std::string& path) override {
    for (const auto& c : chips_)
      if (c.path == path) return c;
    return make_error(Errc::not_found, "GPIO chip '{}': No such file or directory", path);
  }

  Result<std::unique_ptr<InputLines>> request_inputs(const std::vector<LineAddress>& lines,
                                                     const std::string& consumer) override {
    if (auto st = claim(lines, consumer, "an input with edge events"); !st) return st.error();
    return std::unique_ptr<InputLines>(std::make_unique<Inputs>(*this, lines));
  }

  Result<std::unique_ptr<OutputLines>> request_outputs(const std::vector<LineAddress>& lines,
                                                       const std::vector<bool>& initial_high,
                                                       const std::string& consumer) override {
    if (auto st = claim(lines, consumer, "an output"); !st) return st.error();
    for (size_t i = 0; i < lines.size(); ++i)
      levels[{lines[i].chip_path, lines[i].offset}] = initial_high.at(i);
    return std::unique_ptr<OutputLines>(std::make_unique<Outputs>(*this, lines));
  }

 private:
  struct Scripted {
    SteadyTime ts;
    Key line;
    bool rising;
    bool failure;
  };

  void sort_script() {
    std::stable_sort(script_.begin(), script_.end(),
                     [](const Scripted& a, const Scripted& b) { return a.ts < b.ts; });
  }

  Status claim(const std::vector<LineAddress>& lines, const std::string& consumer,
               const std::string& as) {
    for (const auto& a : lines) {
      auto it = busy_.find({a.chip_path, a.offset});
      if (it != busy_.end())
        return request_failure(Error{Errc::busy, "Device or resource busy"}, a, as, it->second);
    }
    for (const auto& a : lines) busy_[{a.chip_path, a.offset}] = consumer;
    return ok_status();
  }

  class Inputs final : public InputLines {
   public:
    Inputs(FakeLineSource& src, std::vector<LineAddress> lines)
        : src_(src), lines_(std::move(lines)) {}

    bool can_wake() const override { return src_.wakeable; }
    void wake() override { woken_ = src_.wakeable; }
    void wait_wake(std::chrono::nanoseconds timeout) override {
      if (!std::exchange(woken_, false))
        src_.clock_->advance_to(src_.clock_->now_steady() + timeout);
    }

    Result<EdgeBatch> wait_edges(std::chrono::nanoseconds timeout) override {
      ++src_.wait_calls;
      auto& clock = *src_.clock_;
      // Woken: returns at once (no time passes) with the edges already queued.
      const SteadyTime end =
          std::exchange(woken_, false) ? clock.now_steady() : clock.now_steady() + timeout;
      if (src_.request_fails_at_ && *src_.request_fails_at_ <= end) {
        clock.advance_to(*src_.request_fails_at_);
        return make_error(Errc::io, "GPIO buttons: poll failed: Input/output error");
      }
      // Wake at the first scripted event still to come within the timeout.
      std::optional<SteadyTime> wake;
      for (size_t k = next_; k < src_.script_.size(); ++k)
        if (index_of(src_.script_[k].line) >= 0) {
          wake = std::max(clock.now_steady(), src_.script_[k].ts);
          break;
        }
      if (!wake || *wake > end) {
        clock.advance_to(end);
        return EdgeBatch{};
      }
      clock.advance_to(*wake);
      EdgeBatch batch;
      while (next_ < src_.script_.size() && src_.script_[next_].ts <= clock.now_steady()) {
        const Scripted& s = src_.script_[next_++];
        const int i = index_of(s.line);
        if (i < 0 || dead_.count(i)) continue;
        if (s.failure) {
          dead_.insert(i);
          batch.failed.emplace_back(static_cast<size_t>(i),
                                    Error{Errc::io, lines_[i].describe + ": reading edge events: "
                                                                         "Input/output error"});
        } else {
          batch.edges.push_back({static_cast<size_t>(i), s.rising, s.ts});
        }
      }
      return batch;
    }

    Result<std::vector<bool>> read_levels() override {
      std::vector<bool> out;
      for (const auto& a : lines_) {
        auto it = src_.initial_.find({a.chip_path, a.offset});
        out.push_back(it == src_.initial_.end() ? true : it->second);  // pull-ups: idle high
      }
      return out;
    }

   private:
    int index_of(const Key& k) const {
      for (size_t i = 0; i < lines_.size(); ++i)
        if (lines_[i].chip_path == k.first && lines_[i].offset == k.second)
          return static_cast<int>(i);
      return -1;
    }
    FakeLineSource& src_;
    std::vector<LineAddress> lines_;
    size_t next_ = 0;
    std::set<int> dead_;
    bool woken_ = false;
  };

  class Outputs final : public OutputLines {
   public:
    Outputs(FakeLineSource& src, std::vector<LineAddress> lines)
        : src_(src), lines_(std::move(lines)) {}
    Status set_level(size_t index, bool high) override {
      const Key k{lines_.at(index).chip_path, lines_.at(index).offset};
      if (src_.failing_writes_.count(k))
        return make_error(Errc::io, "GPIO {}: setting it {}: Input/output error",
                          lines_[index].describe, high ? "high" : "low");
      src_.levels[k] = high;
      src_.writes.emplace_back(k, high, src_.clock_->now_steady());
      return ok_status();
    }

   private:
    FakeLineSource& src_;
    std::vector<LineAddress> lines_;
  };

  std::shared_ptr<ManualClock> clock_;
  std::vector<ChipInfo> chips_;
  std::map<Key, std::string> busy_;
  std::map<Key, bool> initial_;
  std::vector<Scripted> script_;
  std::optional<SteadyTime> request_fails_at_;
  std::set<Key> failing_writes_;
};

}  // namespace tb::hal::gpiod_backend::testing
