#pragma once
// The small interface between the GPIO logic (debounce, press lengths, active-low mapping,
// chip/line resolution, light diffing) and libgpiod. The real source is libgpiod 1.6 or 2.x
// (make_libgpiod_source); unit tests drive the same logic with a fake that replays edge
// sequences, because the kernel on CI has no gpio-sim.
//
// Levels here are PHYSICAL (true = line high); active-low is the logic's business.
#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tetherbox/common/result.hpp"
#include "tetherbox/common/time_utc.hpp"

namespace tb::hal::gpiod_backend {

struct ChipInfo {
  std::string path;                     // /dev/gpiochip4
  std::string name;                     // gpiochip4
  std::string label;                    // pinctrl-rp1
  std::vector<std::string> line_names;  // by offset; "" for an unnamed line
  std::string open_error;  // list_chips(): this chip could not be opened (e.g. permissions)
};

// A resolved line: which chip device and which offset on it.
struct LineAddress {
  std::string chip_path;
  unsigned offset = 0;
  std::string describe;  // "line 17 (GPIO17) of gpiochip4 [pinctrl-rp1]", for messages
};

struct RawEdge {
  size_t index = 0;  // position of the line in the request
  bool rising = false;
  SteadyTime ts{};  // kernel timestamp on CLOCK_MONOTONIC (= std::chrono::steady_clock)
};

struct EdgeBatch {
  std::vector<RawEdge> edges;                    // in kernel timestamp order per line
  std::vector<std::pair<size_t, Error>> failed;  // lines that can no longer be read
};

class InputLines {
 public:
  virtual ~InputLines() = default;
  // Waits up to `timeout` for edges on any requested line. An error here means the whole
  // request is unusable; a single bad line is reported in EdgeBatch::failed instead.
  virtual Result<EdgeBatch> wait_edges(std::chrono::nanoseconds timeout) = 0;
  // Current physical level of each requested line, in request order.
  virtual Result<std::vector<bool>> read_levels() = 0;
  // wake(): thread-safe; the wait_edges in progress (or, when none is, the next one) returns
  // at once, with whatever edges are already queued. Lines that cannot be woken keep
  // can_wake() false.
  virtual bool can_wake() const { return false; }
  virtual void wake() {}
  // Waits up to `timeout` for a wake alone, the lines' files not polled (every line failed:
  // polling them again would only fail again). Called only when can_wake().
  virtual void wait_wake(std::chrono::nanoseconds /*timeout*/) {}
};

class OutputLines {
 public:
  virtual ~OutputLines() = default;
  virtual Status set_level(size_t index, bool high) = 0;
};

class LineSource {
 public:
  virtual ~LineSource() = default;
  // Every GPIO chip the system has (for resolution by name or label).
  virtual Result<std::vector<ChipInfo>> list_chips() = 0;
  // One chip by device path (a udev symlink such as /dev/gpiochip-buttons is fine).
  virtual Result<ChipInfo> probe_chip(const std::string& path) = 0;
  // Requests the lines as inputs with edge detection on both edges. The lines stay held until
  // the returned object is destroyed.
  virtual Result<std::unique_ptr<InputLines>> request_inputs(const std::vector<LineAddress>& lines,
                                                             const std::string& consumer) = 0;
  // Requests the lines as outputs driven at the given physical levels from the first moment.
  virtual Result<std::unique_ptr<OutputLines>> request_outputs(
      const std::vector<LineAddress>& lines, const std::vector<bool>& initial_high,
      const std::string& consumer) = 0;
};

// libgpiod on this system (1.6 or 2.x, chosen at build time).
std::shared_ptr<LineSource> make_libgpiod_source();
// "1.6.3" / "2.2.4": the library the backend runs against.
std::string libgpiod_version();

}  // namespace tb::hal::gpiod_backend
