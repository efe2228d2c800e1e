#pragma once
// libgphoto2 result codes → tetherbox errors. The code alone is often ambiguous (ptp2 reports an
// unplugged body as "property not found", -2, on config calls), so the context's error texts
// collected during the call take part in the decision and in the message.
#include <string>
#include <vector>

#include "tetherbox/common/result.hpp"

namespace tb::hal::gphoto2_backend {

// `during_capture`: -3 (GP_ERROR_NO_MEMORY) from a capture means the card ran full.
Errc errc_for_gp(int rc, const std::vector<std::string>& context_errors, bool during_capture);

// "<camera>: <what> failed: <gp_result_as_string> (<rc>); camera said: <texts>[; hint]"
Error gp_error(int rc, const std::string& camera, const std::string& what,
               const std::vector<std::string>& context_errors, bool during_capture = false);

}  // namespace tb::hal::gphoto2_backend
