// Location removal from the bag's text files: journal, report and export JSON, config snapshot.
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <array>
#include <sstream>
#include <string_view>

#include "tetherbox/delivery/privacy.hpp"

namespace tb::delivery {

namespace {

constexpr std::array<std::string_view, 8> kCoordinateKeys = {
    "lat_deg", "lon_deg", "alt_msl_m", "latitude", "longitude", "altitude", "lat", "lon"};

bool is_coordinate_key(std::string_view k) {
  for (auto c : kCoordinateKeys)
    if (k == c) return true;
  return false;
}

size_t strip_yaml_node(YAML::Node node) {
  size_t removed = 0;
  if (node.IsMap()) {
    std::vector<std::string> drop;
    for (auto it = node.begin(); it != node.end(); ++it) {
      const std::string key = it->first.Scalar();
      if (is_coordinate_key(key))
        drop.push_back(key);
      else
        removed += strip_yaml_node(it->second);
    }
    for (const auto& k : drop) node.remove(k);
    removed += drop.size();
  } else if (node.IsSequence()) {
    for (auto item : node) removed += strip_yaml_node(item);
  }
  return removed;
}

}  // namespace

size_t strip_gps_json(nlohmann::json& j) {
  size_t removed = 0;
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end();) {
      if (is_coordinate_key(it.key())) {
        it = j.erase(it);
        ++removed;
        continue;
      }
      if (it.key() == "gps" && it.value().is_object()) {
        removed += it.value().size();
        it.value() = nlohmann::json{{"fix", false}, {"reason", kGpsRemoved}};
      } else {
        removed += strip_gps_json(it.value());
      }
      ++it;
    }
  } else if (j.is_array()) {
    for (auto& item : j) removed += strip_gps_json(item);
  }
  return removed;
}

Result<std::string> strip_gps_jsonl(const std::string& text, const std::string& name) {
  std::string out;
  out.reserve(text.size());
  std::istringstream in(text);
  std::string line;
  size_t lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.empty()) continue;
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded())
      return make_error(Errc::invalid, "{}:{}: not a JSON line, so its location cannot be removed",
                        name, lineno);
    strip_gps_json(j);
    out += j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    out += '\n';
  }
  return out;
}

Result<std::string> strip_gps_yaml(const std::string& text, const std::string& name) {
  try {
    YAML::Node root = YAML::Load(text);
    strip_yaml_node(root);
    YAML::Emitter emit;
    emit << root;
    if (!emit.good())
      return make_error(Errc::internal, "{}: cannot write it back: {}", name, emit.GetLastError());
    return std::string(emit.c_str()) + "\n";
  } catch (const YAML::Exception& e) {
    return make_error(Errc::invalid, "{}: not readable YAML, so its location cannot be removed: {}",
                      name, e.what());
  }
}

}  // namespace tb::delivery
