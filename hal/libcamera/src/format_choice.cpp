#include <algorithm>

#include "tetherbox/hal/libcamera/control_logic.hpp"

namespace tb::hal::libcamera_backend {

std::optional<RawFormatChoice> parse_raw_format(const std::string& name) {
  // "S" + 4-letter order + bits [+ "_CSI2P"]; anything else (PISP_COMP1, R10 mono, _IPU3) is out.
  if (name.size() < 6 || name[0] != 'S') return std::nullopt;
  RawFormatChoice c;
  c.name = name;
  c.cfa = name.substr(1, 4);
  if (c.cfa != "RGGB" && c.cfa != "BGGR" && c.cfa != "GRBG" && c.cfa != "GBRG") return std::nullopt;
  std::string rest = name.substr(5);
  const std::string packed = "_CSI2P";
  if (rest.size() > packed.size() && rest.ends_with(packed)) {
    c.packing = RawPacking::csi2p;
    rest.resize(rest.size() - packed.size());
  }
  if (rest == "8")
    c.bits = 8;
  else if (rest == "10")
    c.bits = 10;
  else if (rest == "12")
    c.bits = 12;
  else if (rest == "14")
    c.bits = 14;
  else if (rest == "16")
    c.bits = 16;
  else
    return std::nullopt;
  // Packed 8/14-bit exist as names but we only unpack RAW10/RAW12.
  if (c.packing == RawPacking::csi2p && c.bits != 10 && c.bits != 12) return std::nullopt;
  if (c.bits == 8) return std::nullopt;  // too coarse to be worth a DNG
  return c;
}

Result<RawFormatChoice> choose_raw_format(const std::vector<std::string>& offered) {
  std::optional<RawFormatChoice> best;
  auto rank = [](const RawFormatChoice& c) {
    return (c.packing == RawPacking::none ? 100 : 0) + c.bits;
  };
  for (const auto& name : offered) {
    auto c = parse_raw_format(name);
    if (c && (!best || rank(*c) > rank(*best))) best = c;
  }
  if (best) return *best;
  std::string list;
  for (const auto& n : offered) list += (list.empty() ? "" : ", ") + n;
  return make_error(Errc::unsupported,
                    "the RAW stream offers no format tetherbox can save as DNG (offered: {}); "
                    "compressed formats such as PISP_COMP1 need an unpacked 16-bit alternative",
                    list.empty() ? "none" : list);
}

Result<std::string> choose_processed_format(const std::vector<std::string>& offered) {
  for (const char* want : {"YUV420", "RGB888", "BGR888"})
    if (std::find(offered.begin(), offered.end(), want) != offered.end()) return std::string(want);
  std::string list;
  for (const auto& n : offered) list += (list.empty() ? "" : ", ") + n;
  return make_error(Errc::unsupported,
                    "the processed stream offers none of YUV420, RGB888, BGR888 (offered: {})",
                    list.empty() ? "none" : list);
}

}  // namespace tb::hal::libcamera_backend
