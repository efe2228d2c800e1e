// The real LineSource: GPIO character devices through libgpiod (libgpiod_compat.cpp), one
// request per line so a line that fails takes only its own button down.
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "libgpiod_compat.hpp"
#include "tetherbox/hal/gpiod/line_resolve.hpp"

namespace tb::hal::gpiod_backend {
namespace {

namespace fs = std::filesystem;

Error request_error(const Error& e, const LineAddress& a, const char* as) {
  std::string holder;
  if (e.code == Errc::busy)
    if (auto use = compat::line_use(a.chip_path, a.offset); use) holder = use->consumer;
  return request_failure(e, a, as, holder);
}

class LibgpiodInputs final : public InputLines {
 public:
  explicit LibgpiodInputs(std::vector<compat::LinePtr> lines, std::vector<LineAddress> addrs)
      : lines_(std::move(lines)),
        addrs_(std::move(addrs)),
        dead_(lines_.size(), false),
        wake_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}
  ~LibgpiodInputs() override {
    if (wake_fd_ >= 0) ::close(wake_fd_);
  }
  LibgpiodInputs(const LibgpiodInputs&) = delete;
  LibgpiodInputs& operator=(const LibgpiodInputs&) = delete;

  // The wake is an eventfd in the same poll as the lines: a press sent over the control socket
  // ends the wait at once instead of the caller polling the lines in short slices.
  bool can_wake() const override { return wake_fd_ >= 0; }
  void wake() override {
    const uint64_t one = 1;
    if (wake_fd_ >= 0) (void)!::write(wake_fd_, &one, sizeof one);
  }

  void wait_wake(std::chrono::nanoseconds timeout) override {
    if (wake_fd_ < 0) return;
    pollfd fd{wake_fd_, POLLIN, 0};
    const timespec ts = to_timespec(timeout);
    if (ppoll(&fd, 1, &ts, nullptr) > 0) drain_wake();
  }

  Result<EdgeBatch> wait_edges(std::chrono::nanoseconds timeout) override {
    std::vector<pollfd> fds;
    std::vector<size_t> which;
    for (size_t i = 0; i < lines_.size(); ++i)
      if (!dead_[i]) {
        fds.push_back({compat::event_fd(*lines_[i]), POLLIN, 0});
        which.push_back(i);
      }
    EdgeBatch batch;
    if (fds.empty()) return batch;
    const size_t lines_polled = fds.size();
    if (wake_fd_ >= 0) fds.push_back({wake_fd_, POLLIN, 0});
    const timespec ts = to_timespec(timeout);
    const int n = ppoll(fds.data(), fds.size(), &ts, nullptr);
    if (n < 0) {
      if (errno == EINTR) return batch;
      return make_error(Errc::io, "GPIO buttons: poll failed: {}", std::strerror(errno));
    }
    if (fds.size() > lines_polled && (fds.back().revents & POLLIN)) drain_wake();
    std::vector<std::pair<bool, std::int64_t>> raw;
    for (size_t k = 0; k < lines_polled; ++k) {
      const size_t i = which[k];
      if (fds[k].revents & (POLLERR | POLLHUP | POLLNVAL)) {
        dead_[i] = true;
        batch.failed.emplace_back(i, make_error(Errc::disconnected,
                                                "{}: the line's event file "
                                                "reported an error or hang-up",
                                                addrs_[i].describe));
        continue;
      }
      if (!(fds[k].revents & POLLIN)) continue;
      raw.clear();
      if (auto st = compat::read_edges(*lines_[i], raw); !st) {
        dead_[i] = true;
        batch.failed.emplace_back(i, make_error(st.error().code, "{}: reading edge events: {}",
                                                addrs_[i].describe, st.error().message));
        continue;
      }
      const auto now = std::chrono::steady_clock::now();
      for (const auto& [rising, ns] : raw) {
        SteadyTime t{std::chrono::nanoseconds(ns)};
        // Pre-5.7 kernels stamp on CLOCK_REALTIME: far from the steady clock, use the read time.
        if (t > now + std::chrono::seconds(1) || t < now - std::chrono::hours(1)) t = now;
        batch.edges.push_back({i, rising, t});
      }
    }
    std::stable_sort(batch.edges.begin(), batch.edges.end(),
                     [](const RawEdge& a, const RawEdge& b) { return a.ts < b.ts; });
    return batch;
  }

  Result<std::vector<bool>> read_levels() override {
    std::vector<bool> out;
    for (size_t i = 0; i < lines_.size(); ++i) {
      auto v = compat::get_level(*lines_[i]);
      if (!v)
        return make_error(v.error().code, "GPIO {}: reading its level: {}", addrs_[i].describe,
                          v.error().message);
      out.push_back(*v);
    }
    return out;
  }

 private:
  static timespec to_timespec(std::chrono::nanoseconds d) {
    const auto secs = std::chrono::duration_cast<std::chrono::seconds>(d);
    return {static_cast<time_t>(secs.count()), static_cast<long>((d - secs).count())};
  }
  void drain_wake() {  // the next wait blocks again
    uint64_t count = 0;
    (void)!::read(wake_fd_, &count, sizeof count);
  }

  std::vector<compat::LinePtr> lines_;
  std::vector<LineAddress> addrs_;
  std::vector<bool> dead_;
  int wake_fd_ = -1;  // -1: no eventfd (then can_wake() is false and callers poll in slices)
};

class LibgpiodOutputs final : public OutputLines {
 public:
  LibgpiodOutputs(std::vector<compat::LinePtr> lines, std::vector<LineAddress> addrs)
      : lines_(std::move(lines)), addrs_(std::move(addrs)) {}

  Status set_level(size_t index, bool high) override {
    if (index >= lines_.size())
      return make_error(Errc::internal, "GPIO output {} out of range", index);
    if (auto st = compat::set_level(*lines_[index], high); !st)
      return make_error(st.error().code, "GPIO {}: setting it {}: {}", addrs_[index].describe,
                        high ? "high" : "low", st.error().message);
    return ok_status();
  }

 private:
  std::vector<compat::LinePtr> lines_;
  std::vector<LineAddress> addrs_;
};

class LibgpiodSource final : public LineSource {
 public:
  Result<std::vector<ChipInfo>> list_chips() override {
    std::vector<std::pair<long, std::string>> found;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/dev", ec)) {
      const std::string name = entry.path().filename().string();
      if (name.rfind("gpiochip", 0) != 0 || name.size() == 8) continue;
      const std::string num = name.substr(8);
      if (!std::all_of(num.begin(), num.end(), [](unsigned char c) { return std::isdigit(c); }))
        continue;
      found.emplace_back(std::stol(num), entry.path().string());
    }
    if (ec) return make_error(Errc::io, "listing /dev for GPIO chips: {}", ec.message());
    std::sort(found.begin(), found.end());
    std::vector<ChipInfo> chips;
    for (const auto& [num, path] : found) {
      auto chip = compat::probe_chip(path);
      if (chip) {
        chips.push_back(std::move(*chip));
      } else {
        ChipInfo bad;
        bad.path = path;
        bad.name = fs::path(path).filename().string();
        bad.open_error = chip.error().message;
        chips.push_back(std::move(bad));
      }
    }
    return chips;
  }

  Result<ChipInfo> probe_chip(const std::string& path) override {
    auto chip = compat::probe_chip(path);
    if (!chip)
      return make_error(chip.error().code,
                        "GPIO chip '{}': {}; check the path (`gpiodetect` lists the chips, "
                        "Pi 5: pinctrl-rp1, Pi 4: pinctrl-bcm2711)",
                        path, chip.error().message);
    return chip;
  }

  Result<std::unique_ptr<InputLines>> request_inputs(const std::vector<LineAddress>& lines,
                                                     const std::string& consumer) override {
    std::vector<compat::LinePtr> held;
    for (const auto& a : lines) {
      auto l = compat::request_input(a.chip_path, a.offset, consumer);
      if (!l) return request_error(l.error(), a, "an input with edge events");
      held.push_back(std::move(*l));
    }
    return std::unique_ptr<InputLines>(std::make_unique<LibgpiodInputs>(std::move(held), lines));
  }

  Result<std::unique_ptr<OutputLines>> request_outputs(const std::vector<LineAddress>& lines,
                                                       const std::vector<bool>& initial_high,
                                                       const std::string& consumer) override {
    std::vector<compat::LinePtr> held;
    for (size_t i = 0; i < lines.size(); ++i) {
      const bool high = i < initial_high.size() && initial_high[i];
      auto l = compat::request_output(lines[i].chip_path, lines[i].offset, consumer, high);
      if (!l) return request_error(l.error(), lines[i], "an output");
      held.push_back(std::move(*l));
    }
    return std::unique_ptr<OutputLines>(std::make_unique<LibgpiodOutputs>(std::move(held), lines));
  }
};

}  // namespace

std::shared_ptr<LineSource> make_libgpiod_source() {
  return std::make_shared<LibgpiodSource>();
}

std::string libgpiod_version() {
  return compat::version();
}

}  // namespace tb::hal::gpiod_backend
