#pragma once
// The backend registry, as gpsd's driver table: one row per (device kind, backend name) with
// whether this build can make it, what it can do, and (inside wiring) its factory. Config
// validation and preflight read the rows (config::BackendTable); make_devices builds from the
// same rows, so the config can no longer accept what the build cannot make.
#include "tetherbox/config/backends.hpp"

namespace tb::firmware {

const config::BackendTable& backend_table();

}  // namespace tb::firmware
