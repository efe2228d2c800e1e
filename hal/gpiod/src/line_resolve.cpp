// Chip and line resolution over the chips a LineSource reports. Order for a chip: a path
// (contains '/'), then the kernel name ("gpiochip4", or a bare number), then the label; a
// label that several chips share is refused rather than guessed.
#include "tetherbox/hal/gpiod/line_resolve.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace tb::hal::gpiod_backend {
namespace {

bool all_digits(const std::string& s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

std::string chip_list(const std::vector<ChipInfo>& chips) {
  if (chips.empty()) return "no GPIO chips at all (is this a Pi? is /dev/gpiochip* there?)";
  std::string out = "chips present:";
  for (const auto& c : chips)
    out += c.open_error.empty()
               ? fmt::format(" {} [{}, {} lines]", c.name, c.label, c.line_names.size())
               : fmt::format(" {} [cannot open: {}]", c.name, c.open_error);
  return out;
}

std::string describe_line(const ChipInfo& chip, unsigned offset) {
  const std::string& n = offset < chip.line_names.size() ? chip.line_names[offset] : std::string();
  return fmt::format("line {}{} of {} [{}]", offset, n.empty() ? "" : " (" + n + ")", chip.name,
                     chip.label);
}

Result<ChipInfo> find_chip(const std::string& want, LineSource& source) {
  if (want.find('/') != std::string::npos) {
    auto chip = source.probe_chip(want);
    if (!chip) return chip.error();
    return chip;
  }
  auto chips = source.list_chips();
  if (!chips) return chips.error();
  const std::string as_name = all_digits(want) ? "gpiochip" + want : want;
  for (const auto& c : *chips)
    if (c.name == as_name) return c;
  std::vector<const ChipInfo*> by_label;
  for (const auto& c : *chips)
    if (c.label == want) by_label.push_back(&c);
  if (by_label.size() == 1) return *by_label.front();
  if (by_label.size() > 1)
    return make_error(Errc::invalid,
                      "GPIO chip '{}': {} chips carry this label; name one by name or path ({})",
                      want, by_label.size(), chip_list(*chips));
  return make_error(Errc::not_found,
                    "GPIO chip '{}' not found by name or label; {}; check the chip in the config "
                    "against `gpiodetect` (Pi 5: pinctrl-rp1, Pi 4: pinctrl-bcm2711)",
                    want, chip_list(*chips));
}

Result<LineAddress> line_on_chip(const LineSpec& spec, const ChipInfo& chip) {
  if (!chip.open_error.empty())
    return make_error(Errc::refused, "GPIO {}: {} cannot be opened: {}", describe_spec(spec),
                      chip.path, chip.open_error);
  if (spec.offset >= 0) {
    if (static_cast<size_t>(spec.offset) >= chip.line_names.size())
      return make_error(Errc::not_found,
                        "GPIO {}: {} [{}] has lines 0..{} only; check the line number with "
                        "`gpioinfo {}`",
                        describe_spec(spec), chip.name, chip.label,
                        static_cast<long>(chip.line_names.size()) - 1, chip.name);
    const auto off = static_cast<unsigned>(spec.offset);
    return LineAddress{chip.path, off, describe_line(chip, off)};
  }
  for (size_t i = 0; i < chip.line_names.size(); ++i)
    if (chip.line_names[i] == spec.line_name) {
      const auto off = static_cast<unsigned>(i);
      return LineAddress{chip.path, off, describe_line(chip, off)};
    }
  return make_error(Errc::not_found,
                    "GPIO {}: no line named '{}' on {} [{}]; check the names with `gpioinfo {}`",
                    describe_spec(spec), spec.line_name, chip.name, chip.label, chip.name);
}

}  // namespace

Error request_failure(const Error& cause, const LineAddress& a, const std::string& as,
                      const std::string& holder) {
  std::string check;
  switch (cause.code) {
    case Errc::busy:
      check = fmt::format(
          "another process holds it{}: see `gpioinfo` for {} (consumer column) "
          "and stop that program or remove the overlay that claims the pin",
          holder.empty() ? "" : " ('" + holder + "')", a.chip_path);
      break;
    case Errc::refused:
      check = "permission denied: run as a member of the 'gpio' group (board udev rules)";
      break;
    case Errc::not_found:
      check = "the chip is gone or is not a GPIO chip: check `gpiodetect`";
      break;
    default:
      check = "check `gpioinfo` and dmesg";
  }
  return make_error(cause.code, "GPIO {}: cannot request it as {}: {}; {}", a.describe, as,
                    cause.message, check);
}

std::string describe_spec(const LineSpec& spec) {
  const std::string line =
      spec.offset >= 0 ? std::to_string(spec.offset) : "'" + spec.line_name + "'";
  if (spec.chip.empty()) return "line " + line;
  return fmt::format("chip '{}' line {}", spec.chip, line);
}

Result<LineAddress> resolve_line(const LineSpec& spec, LineSource& source) {
  if (spec.offset < 0 && spec.line_name.empty())
    return make_error(Errc::invalid, "GPIO {}: no line given (a line number or a line name)",
                      describe_spec(spec));
  if (!spec.chip.empty()) {
    auto chip = find_chip(spec.chip, source);
    if (!chip) return chip.error();
    return line_on_chip(spec, *chip);
  }
  if (spec.offset >= 0)
    return make_error(Errc::invalid,
                      "GPIO line {}: a line number needs a chip (Pi 5: pinctrl-rp1, Pi 4: "
                      "pinctrl-bcm2711)",
                      spec.offset);
  // A name without a chip: unique across the system, as gpiofind does it.
  auto chips = source.list_chips();
  if (!chips) return chips.error();
  std::vector<LineAddress> hits;
  for (const auto& c : *chips)
    for (size_t i = 0; i < c.line_names.size(); ++i)
      if (c.line_names[i] == spec.line_name)
        hits.push_back(
            {c.path, static_cast<unsigned>(i), describe_line(c, static_cast<unsigned>(i))});
  if (hits.size() == 1) return hits.front();
  if (hits.empty())
    return make_error(Errc::not_found,
                      "GPIO line '{}' not found on any chip ({}); check the names with `gpioinfo`",
                      spec.line_name, chip_list(*chips));
  return make_error(Errc::invalid, "GPIO line '{}' exists {} times ({} and {}); give its chip",
                    spec.line_name, hits.size(), hits[0].describe, hits[1].describe);
}

}  // namespace tb::hal::gpiod_backend
