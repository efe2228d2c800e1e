#pragma once
// The 2x2 CFA pattern as a string ("RGGB") and as DNG CFAPattern colour codes (0=R 1=G 2=B).
#include <array>
#include <cstdint>
#include <string>

#include "tetherbox/common/result.hpp"

namespace tb::hal::dng::detail {

struct CfaPattern {
  std::array<uint8_t, 4> colors{};  // cells (0,0),(1,0),(0,1),(1,1): top row first
};

Result<CfaPattern> parse_cfa(const std::string& s);

}  // namespace tb::hal::dng::detail
