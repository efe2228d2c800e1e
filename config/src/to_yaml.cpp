// Config -> YAML, the snapshot written into every bag (data/session.yaml). Walks the same key
// list as the reader, so whatever load_string reads back is the config that produced the data.
#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "schema_fields.hpp"
#include "tetherbox/config/load.hpp"

namespace tb::config {

namespace {

// Shortest text that reads back to the same double (0.008, not 0.0080000000000000002).
void emit(YAML::Emitter& out, double v) {
  out << fmt::format("{}", v);
}
void emit(YAML::Emitter& out, int v) {
  out << v;
}
void emit(YAML::Emitter& out, uint64_t v) {
  out << v;
}
void emit(YAML::Emitter& out, bool v) {
  out << v;
}
void emit(YAML::Emitter& out, const std::string& v) {
  // Quote always: names like "no", "1/125" or "{session}" must stay text.
  out << YAML::DoubleQuoted << v;
}
void emit(YAML::Emitter& out, const std::optional<int>& v) {
  if (v) {
    out << *v;
  } else {
    out << YAML::Null;
  }
}

template <class T>
requires schema::is_record<T>
void emit(YAML::Emitter& out, T& record);

template <class T>
void emit(YAML::Emitter& out, std::vector<T>& list) {
  if constexpr (schema::is_record<T>) {
    if (list.empty()) out << YAML::Flow;
    out << YAML::BeginSeq;
  } else {
    out << YAML::Flow << YAML::BeginSeq;
  }
  for (auto& item : list) emit(out, item);
  out << YAML::EndSeq;
}

template <class T>
requires schema::is_record<T>
void emit(YAML::Emitter& out, T& record) {
  out << YAML::BeginMap;
  schema::for_each_field(record, [&](const char* key, auto& field) {
    out << YAML::Key << key << YAML::Value;
    emit(out, field);
  });
  out << YAML::EndMap;
}

}  // namespace

std::string to_yaml(const Config& cfg) {
  Config copy = cfg;  // the field walk takes mutable references; the caller's config stays put
  YAML::Emitter out;
  out << YAML::Comment(fmt::format("tetherbox resolved config{}", cfg.source_path.empty()
                                                                      ? std::string()
                                                                      : " from " + cfg.source_path))
      << YAML::Newline;
  emit(out, copy);
  std::string text = out.c_str();
  text += '\n';
  return text;
}

}  // namespace tb::config
