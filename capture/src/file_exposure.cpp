#include "tetherbox/capture/file_exposure.hpp"

namespace tb::capture {

std::optional<FileExposure> exposure_from_file(std::span<const uint8_t>) { return std::nullopt; }

}  // namespace tb::capture
