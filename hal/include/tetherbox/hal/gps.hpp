#pragma once
#include <optional>
#include <string>

#include "tetherbox/common/time_utc.hpp"

namespace tb::hal {

enum class FixMode { none = 0, fix2d = 2, fix3d = 3 };

struct GpsReading {
  FixMode mode = FixMode::none;     // validity comes from mode, never from a status word
  double lat_deg = 0, lon_deg = 0;  // WGS84
  std::optional<double> alt_msl_m;  // 3D fixes only
  std::optional<double> hdop, pdop;
  std::optional<double> speed_m_s, track_deg;
  UtcTime fix_time_utc{};  // time of the fix (GPS time as UTC)
  SteadyTime received{};   // host steady time the reading arrived
  std::string source;      // "sim", "gpsd:localhost:2947"
  std::optional<double> vdop;
  std::optional<int> satellites_used;
  bool has_fix() const { return mode != FixMode::none; }
};

// A background sampler: latest() never blocks on the device.
class GpsSource {
 public:
  virtual ~GpsSource() = default;
  virtual void start() = 0;
  virtual void stop() = 0;
  // Latest reading, or nullopt when nothing was ever received.
  virtual std::optional<GpsReading> latest() const = 0;
  // Connection state and last failure in words ("gpsd localhost:2947 unreachable: ...;
  // retrying"), empty when the source has nothing to say (the sim).
  virtual std::string status() const { return {}; }
};

}  // namespace tb::hal
