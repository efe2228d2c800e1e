#pragma once
// The turntable a config asks for (turntable.backend gcode or stepdir), opened and checked.
#include <memory>

#include "tetherbox/config/config.hpp"
#include "tetherbox/hal/turntable.hpp"
#include "tetherbox/hal/turntable/gcode_turntable.hpp"
#include "tetherbox/hal/turntable/stepdir_turntable.hpp"

namespace tb::hal::turntable {

GcodeOptions gcode_options(const config::Turntable& t);
StepdirOptions stepdir_options(const config::Turntable& t);

Result<std::unique_ptr<Turntable>> make_gcode_turntable(const config::Config& cfg);
#ifdef TB_HAVE_TURNTABLE_GPIOD
Result<std::unique_ptr<Turntable>> make_stepdir_turntable(const config::Config& cfg);
#endif

}  // namespace tb::hal::turntable
