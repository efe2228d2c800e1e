// Light outputs. Only lines whose state changes are written, so switching presets does not
// flicker the lights both presets share; after a failed write current() says what the lines
// really carry.
#include <map>

#include "tetherbox/hal/gpiod/gpiod_devices.hpp"

namespace tb::hal::gpiod_backend {
namespace {

class GpiodLights final : public Lights {
 public:
  GpiodLights(std::vector<LightSpec> specs, std::vector<std::string> where,
              std::unique_ptr<OutputLines> out)
      : specs_(std::move(specs)),
        where_(std::move(where)),
        out_(std::move(out)),
        on_(specs_.size(), false) {}

  std::vector<std::string> names() const override {
    std::vector<std::string> n;
    for (const auto& s : specs_) n.push_back(s.name);
    return n;
  }

  Status set_on(const std::set<std::string>& on) override {
    for (const auto& name : on)
      if (index_of(name) < 0)
        return make_error(Errc::invalid, "lights: no light named '{}' (lights: {})", name,
                          fmt::join(names(), ", "));
    // Off first: two presets never overlap on the mains relays for a moment.
    for (int pass = 0; pass < 2; ++pass)
      for (size_t i = 0; i < specs_.size(); ++i) {
        const bool want = on.count(specs_[i].name) > 0;
        if (want == on_[i] || want != (pass == 1)) continue;
        const bool high = specs_[i].active_low ? !want : want;
        if (auto st = out_->set_level(i, high); !st)
          return make_error(st.error().code, "light '{}' on {}: switching {} failed: {}",
                            specs_[i].name, where_[i], want ? "on" : "off", st.error().message);
        on_[i] = want;
      }
    return ok_status();
  }

  std::set<std::string> current() const override {
    std::set<std::string> c;
    for (size_t i = 0; i < specs_.size(); ++i)
      if (on_[i]) c.insert(specs_[i].name);
    return c;
  }

 private:
  int index_of(const std::string& name) const {
    for (size_t i = 0; i < specs_.size(); ++i)
      if (specs_[i].name == name) return static_cast<int>(i);
    return -1;
  }

  std::vector<LightSpec> specs_;
  std::vector<std::string> where_;
  std::unique_ptr<OutputLines> out_;
  std::vector<bool> on_;
};

}  // namespace

Result<std::unique_ptr<Lights>> open_lights(const std::vector<LightSpec>& specs,
                                            std::shared_ptr<LineSource> source,
                                            const std::string& consumer) {
  std::vector<LineAddress> addrs;
  std::vector<std::string> where;
  std::vector<bool> initial;
  for (const auto& s : specs) {
    auto addr = resolve_line(s.line, *source);
    if (!addr) return make_error(addr.error().code, "light '{}': {}", s.name, addr.error().message);
    for (size_t i = 0; i < addrs.size(); ++i)
      if (addrs[i].chip_path == addr->chip_path && addrs[i].offset == addr->offset)
        return make_error(Errc::invalid,
                          "lights '{}' and '{}' are both on {}; give each its own line",
                          specs[i].name, s.name, addr->describe);
    where.push_back(addr->describe);
    initial.push_back(s.active_low);  // off
    addrs.push_back(std::move(*addr));
  }
  auto out = source->request_outputs(addrs, initial, consumer);
  if (!out) return out.error();
  return std::unique_ptr<Lights>(
      std::make_unique<GpiodLights>(specs, std::move(where), std::move(*out)));
}

}  // namespace tb::hal::gpiod_backend
