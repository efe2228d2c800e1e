#pragma once
// GPS removal from a sidecar without decoding it, for exports of thousands of sidecars: exiv2's
// XMP toolkit decodes and re-encodes one packet at a time (a global lock), which made most of
// an export's time (issue 13 benchmark). Only the layout exiv2 itself writes (every sidecar
// tetherbox makes) is recognised, and for such a packet the result is what capture::strip_gps
// makes of it, byte for byte (tests/unit/delivery compares them); anything else is left to
// capture::strip_gps.
#include <optional>
#include <string>
#include <string_view>

namespace tb::delivery {

// `packet` without its exif:GPS* and tetherbox:Gps* properties and with tetherbox:GpsStatus
// "stripped" (capture::strip_gps's output), or nullopt when the packet is not in the layout
// recognised, or when "gps" (in any case) would still appear in the result: a property or value
// this reader does not understand is never passed on, it goes to the exiv2 path instead.
std::optional<std::string> strip_gps_sidecar_text(std::string_view packet);

}  // namespace tb::delivery
