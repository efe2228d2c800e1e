#pragma once
#include <cstdint>

#include "tetherbox/hal/dng/dng.hpp"
#include "tetherbox/hal/sim/sim.hpp"

namespace tb::hal::sim {

// Samples linear RGB through an RGGB colour filter array into 16-bit photosites:
// black + value * (white - black). Odd trailing rows/columns keep their CFA colour.
dng::BayerImage mosaic_rggb(const LinearImage& img, uint16_t black, uint16_t white);

}  // namespace tb::hal::sim
