#pragma once
#include "tetherbox/common/result.hpp"

namespace tb::hal {

// Where the rig points the camera at the subject: turntable azimuth and camera elevation.
struct RigPose {
  double azimuth_deg = 0.0;    // subject rotation, 0..360
  double elevation_deg = 0.0;  // camera height angle above the turntable plane
};

struct TurntableInfo {
  std::string backend;
  bool moves_elevation = false;  // false: a person (or fixed arm) sets elevation
  double step_deg = 0.1;
};

class Turntable {
 public:
  virtual ~Turntable() = default;
  virtual TurntableInfo info() const = 0;
  virtual Status home() = 0;
  // Moves and waits until settled (speed and settle time from the config).
  virtual Status move_to(const RigPose& pose) = 0;
  virtual RigPose position() const = 0;
};

}  // namespace tb::hal
