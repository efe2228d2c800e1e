#pragma once
// A resume must run the bag's own plan: the config given on the command line is compared with
// the bag's data/session.yaml, key by key. Keys that change the data (mode, name, plan, lights,
// brackets, exposure, format, image, names, sidecar metadata) must be equal; keys that only
// say how to reach the devices (ports, timeouts, sim faults, storage root, reserve) may differ.
#include <string>
#include <vector>

#include "tetherbox/config/config.hpp"

namespace tb::capture {

// The data-changing keys whose values differ, as dotted paths ("session.mode",
// "lighting.presets", "camera.sim.width"); empty when the resume may proceed.
std::vector<std::string> data_differences(const config::Config& bag, const config::Config& given);

}  // namespace tb::capture
