// YAML -> Config. The reader checks structure, types and key names, remembering where each
// key sits in the file; validate's range and cross-field issues are then placed at the
// file:line:col of the key they name. All problems are reported at once, in file order.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include <fmt/format.h>

#include "issues.hpp"
#include "schema_fields.hpp"
#include "suggest.hpp"
#include "tetherbox/config/load.hpp"

namespace tb::config {

namespace {

namespace fs = std::filesystem;

constexpr size_t kMaxConfigBytes = 1 << 20;
constexpr int kMaxFlowDepth = 32;

// yaml-cpp parses flow collections recursively: "[[[[..." a few thousand deep overflows the
// stack. No config nests more than a handful of levels, so deeper text is refused first.
// Quotes and comments are skipped so brackets inside text do not count.
std::optional<std::pair<int, int>> too_deep(const std::string& text) {
  int depth = 0, line = 0, col = 0;
  char quote = 0;
  bool comment = false;
  for (size_t i = 0; i < text.size(); ++i, ++col) {
    const char c = text[i];
    if (c == '\n') {
      ++line;
      col = -1;
      comment = false;
      quote = 0;  // an apostrophe in plain text must not hide the lines after it
      continue;
    }
    if (comment) continue;
    if (quote) {
      if (c == quote) quote = 0;
      continue;
    }
    if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '#' && (i == 0 || std::isspace(static_cast<unsigned char>(text[i - 1])))) {
      comment = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxFlowDepth) return std::make_pair(line, col);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return std::nullopt;
}

struct Located {
  int line = -1;  // 0-based as yaml-cpp gives it; -1: not located
  int col = -1;
  std::string text;
};

class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  void error(const YAML::Mark& m, const std::string& path, const std::string& what) {
    errors.push_back({m.is_null() ? -1 : m.line, m.is_null() ? -1 : m.column,
                      path.empty() ? what : path + ": " + what});
  }
  void note(const std::string& path, const YAML::Mark& m) {
    if (!m.is_null()) marks_[path] = m;
  }
  // The mark of `path`, or of its nearest ancestor present in the file.
  std::optional<YAML::Mark> find_mark(std::string path) const {
    while (!path.empty()) {
      if (auto it = marks_.find(path); it != marks_.end()) return it->second;
      const auto cut = path.find_last_of(".[");
      path = cut == std::string::npos ? std::string() : path.substr(0, cut);
    }
    return std::nullopt;
  }
  bool has(const std::string& path) const { return marks_.count(path) != 0; }
  std::string format(const Located& l) const {
    if (l.line < 0) return fmt::format("{}: {}", file_, l.text);
    return fmt::format("{}:{}:{}: {}", file_, l.line + 1, l.col + 1, l.text);
  }

  std::vector<Located> errors;

 private:
  std::string file_;
  std::map<std::string, YAML::Mark> marks_;
};

const char* kind(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Null:
      return "empty";
    case YAML::NodeType::Scalar:
      return "a single value";
    case YAML::NodeType::Undefined:
      break;
  }
  return "undefined";
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// The scalar text of `n`, or an error saying what was expected instead.
std::optional<std::string> scalar(Reader& r, const YAML::Node& n, const std::string& path,
                                  const char* expected) {
  if (n.IsScalar()) return n.Scalar();
  r.error(n.Mark(), path, fmt::format("is {}; expected {}", kind(n), expected));
  return std::nullopt;
}

template <class Int>
bool parse_integer(std::string_view s, Int& out) {
  s = trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  const auto res = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && res.ec == std::errc() && res.ptr == s.data() + s.size();
}

bool parse_real(std::string_view s, double& out) {
  s = trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  const auto res = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && res.ec == std::errc() && res.ptr == s.data() + s.size() &&
         std::isfinite(out);
}

// YAML's .nan/.inf and numbers past the range of a double: why they are refused, not just that.
std::string not_a_number(std::string_view text) {
  std::string v(trim(text));
  std::transform(v.begin(), v.end(), v.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (!v.empty() && (v.front() == '+' || v.front() == '-')) v.erase(0, 1);
  if (v == ".nan" || v == "nan" || v == ".inf" || v == "inf" || v == "infinity")
    return "is not a finite number; expected a number such as 1.5";
  double d = 0;
  std::string_view t = trim(text);
  if (!t.empty() && t.front() == '+') t.remove_prefix(1);
  const auto res = std::from_chars(t.data(), t.data() + t.size(), d);
  if (res.ec == std::errc::result_out_of_range && res.ptr == t.data() + t.size())
    return "is beyond the range of a number; expected a number such as 1.5";
  return "is not a number; expected a number such as 1.5";
}

// ---- leaves ---------------------------------------------------------------------------

void read(Reader& r, const YAML::Node& n, const std::string& path, std::string& out) {
  if (n.IsNull()) {  // "creator:" with nothing after it
    out.clear();
    return;
  }
  if (auto s = scalar(r, n, path, "a text value")) out = *s;
}

void read(Reader& r, const YAML::Node& n, const std::string& path, double& out) {
  auto s = scalar(r, n, path, "a number");
  if (!s) return;
  if (!parse_real(*s, out)) r.error(n.Mark(), path, fmt::format("'{}' {}", *s, not_a_number(*s)));
}

void read(Reader& r, const YAML::Node& n, const std::string& path, int& out) {
  auto s = scalar(r, n, path, "a whole number");
  if (!s) return;
  double as_real = 0;
  if (parse_integer(*s, out)) return;
  if (parse_real(*s, as_real) && as_real == std::trunc(as_real) && std::abs(as_real) > 1e9) {
    r.error(n.Mark(), path, fmt::format("'{}' is too large; expected a whole number", *s));
  } else if (parse_real(*s, as_real)) {
    r.error(n.Mark(), path, fmt::format("'{}' is not a whole number; expected an integer", *s));
  } else {
    r.error(n.Mark(), path,
            fmt::format("'{}' is not a number; expected an integer such as 100", *s));
  }
}

void read(Reader& r, const YAML::Node& n, const std::string& path, uint64_t& out) {
  auto s = scalar(r, n, path, "a whole number, 0 or more");
  if (s && !parse_integer(*s, out)) {
    r.error(n.Mark(), path,
            fmt::format("'{}' is not a whole number; expected an integer, 0 or more", *s));
  }
}

void read(Reader& r, const YAML::Node& n, const std::string& path, bool& out) {
  auto s = scalar(r, n, path, "true or false");
  if (!s) return;
  std::string v(trim(*s));
  std::transform(v.begin(), v.end(), v.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (v == "true" || v == "yes" || v == "on") {
    out = true;
  } else if (v == "false" || v == "no" || v == "off") {
    out = false;
  } else {
    r.error(n.Mark(), path, fmt::format("'{}' is not a boolean; expected true or false", *s));
  }
}

void read(Reader& r, const YAML::Node& n, const std::string& path, std::optional<int>& out) {
  if (n.IsNull()) {
    out.reset();
    return;
  }
  int v = 0;
  const size_t before = r.errors.size();
  read(r, n, path, v);
  if (r.errors.size() == before) out = v;
}

// ---- lists and records ----------------------------------------------------------------

template <class T>
requires schema::is_record<T>
void read(Reader& r, const YAML::Node& n, const std::string& path, T& out);

template <class T>
void read(Reader& r, const YAML::Node& n, const std::string& path, std::vector<T>& out) {
  if (n.IsNull()) {
    out.clear();
    return;
  }
  if (!n.IsSequence()) {
    r.error(n.Mark(), path, fmt::format("is {}; expected a list", kind(n)));
    return;
  }
  // No list in the schema needs more; reading a million entries would only slow the error.
  constexpr size_t kMaxListEntries = 1000;
  if (n.size() > kMaxListEntries) {
    r.error(n.Mark(), path,
            fmt::format("has {} entries; expected at most {}", n.size(), kMaxListEntries));
    return;
  }
  out.assign(n.size(), T{});
  for (size_t i = 0; i < n.size(); ++i) {
    const std::string sub = fmt::format("{}[{}]", path, i);
    const YAML::Node item = n[i];
    r.note(sub, item.Mark());
    read(r, item, sub, out[i]);
  }
}

std::string join_path(const std::string& base, const std::string& key) {
  return base.empty() ? key : base + "." + key;
}

template <class T>
requires schema::is_record<T>
void read(Reader& r, const YAML::Node& n, const std::string& path, T& out) {
  std::vector<std::string> allowed;
  schema::for_each_field(out, [&](const char* key, auto&) { allowed.emplace_back(key); });
  if (n.IsNull()) return;  // "camera:" with nothing: keep the defaults
  if (!n.IsMap()) {
    r.error(
        n.Mark(), path,
        fmt::format("is {}; expected a map with keys: {}", kind(n), detail::join_names(allowed)));
    return;
  }

  struct Entry {
    std::string key;
    YAML::Node key_node, value;
    bool used = false;
  };
  std::vector<Entry> entries;
  for (auto it = n.begin(); it != n.end(); ++it) {
    if (!it->first.IsScalar()) {
      r.error(it->first.Mark(), path,
              fmt::format("a key is {}; expected a plain key name", kind(it->first)));
      continue;
    }
    const std::string key = it->first.Scalar();
    const auto dup =
        std::find_if(entries.begin(), entries.end(), [&](const Entry& e) { return e.key == key; });
    if (dup != entries.end()) {
      r.error(it->first.Mark(), join_path(path, key),
              fmt::format("duplicate key (first given on line {}); expected each key once",
                          dup->key_node.Mark().line + 1));
      continue;
    }
    entries.push_back({key, it->first, it->second, false});
  }

  schema::for_each_field(out, [&](const char* key, auto& field) {
    auto e =
        std::find_if(entries.begin(), entries.end(), [&](const Entry& x) { return x.key == key; });
    if (e == entries.end()) return;
    e->used = true;
    const std::string sub = join_path(path, key);
    // An empty value has no position of its own in yaml-cpp; point at its key instead.
    r.note(sub, e->value.IsNull() ? e->key_node.Mark() : e->value.Mark());
    read(r, e->value, sub, field);
  });

  for (const auto& e : entries) {
    if (e.used) continue;
    r.error(e.key_node.Mark(), join_path(path, e.key),
            "unknown key" + detail::suggestion_tail(e.key, allowed));
  }
}

// ---- whole document -------------------------------------------------------------------

void resolve_against(std::string& p, const fs::path& base) {
  if (p.empty()) return;
  const fs::path q(p);
  if (q.is_relative()) p = (base / q).lexically_normal().string();
}

Result<Config> load_text(const std::string& text, const std::string& name,
                         const std::string& source_path, const fs::path& base_dir,
                         const LoadOptions& opts) {
  // A box config is a few kB; parsing megabytes of YAML (a million bracket steps) would only
  // take long to reach the same refusal.
  if (text.size() > kMaxConfigBytes) {
    return make_error(Errc::invalid,
                      "{}: the config is larger than {} bytes; expected a YAML file of a few kB",
                      name, kMaxConfigBytes);
  }
  Reader r(name);
  Config cfg;
  if (auto at = too_deep(text)) {
    r.errors.push_back({at->first, at->second,
                        fmt::format("nested more than {} levels deep; expected a config of maps "
                                    "and lists a few levels deep",
                                    kMaxFlowDepth)});
    return Error{Errc::invalid, r.format(r.errors.front())};
  }
  try {
    const YAML::Node root = YAML::Load(text);
    if (!root.IsNull() && !root.IsMap()) {
      std::vector<std::string> sections;
      schema::for_each_field(cfg, [&](const char* key, auto&) { sections.emplace_back(key); });
      r.error(root.Mark(), "",
              fmt::format("the document is {}; expected a map of sections: {}", kind(root),
                          detail::join_names(sections)));
    } else {
      read(r, root, "", cfg);
    }
  } catch (const YAML::Exception& e) {
    // Syntax errors (and anything else yaml-cpp throws) carry the position it stopped at.
    r.errors.push_back(
        {e.mark.is_null() ? -1 : e.mark.line, e.mark.is_null() ? -1 : e.mark.column,
         fmt::format("invalid YAML: {}; expected well-formed YAML (check indentation, "
                     "quotes and ':' after keys)",
                     e.msg)});
  }

  // Listed after the others so a file's first error stays its first problem in file order.
  const bool backend_given = r.has("camera.backend");
  Located missing_backend;
  if (!backend_given) {
    const auto at = r.find_mark("camera");
    missing_backend = {at ? at->line : -1, at ? at->column : -1,
                       "camera.backend: required: sim | gphoto2 | libcamera (there is no "
                       "default: a config that names no camera must not silently run the sim)"};
  }
  if (r.errors.empty()) {
    cfg.source_path = source_path;
    if (auto s = parse_shutter(cfg.camera.exposure.shutter)) cfg.camera.exposure.shutter_s = *s;
    resolve_against(cfg.storage.root, base_dir);
    for (auto& rel : cfg.metadata.releases) resolve_against(rel, base_dir);
    auto issues = detail::collect_issues(cfg);
    if (opts.built) {
      // A name config does not know at all is already reported (with its suggestion).
      for (auto& b : detail::backend_issues(cfg, *opts.built)) {
        const bool known = std::any_of(issues.begin(), issues.end(),
                                       [&](const detail::Issue& i) { return i.path == b.path; });
        if (!known) issues.push_back(std::move(b));
      }
    }
    // Outside checks (preflight) see only a config that is otherwise sound.
    if (issues.empty() && backend_given && opts.more_checks) {
      for (auto& k : opts.more_checks(cfg)) issues.push_back({k.path, k.message});
    }
    for (auto& issue : issues) {
      const auto mark = r.find_mark(issue.path);
      r.errors.push_back(
          {mark ? mark->line : -1, mark ? mark->column : -1, issue.path + ": " + issue.message});
    }
  }
  if (r.errors.empty() && backend_given) return cfg;

  std::stable_sort(r.errors.begin(), r.errors.end(), [](const Located& a, const Located& b) {
    return std::tie(a.line, a.col) < std::tie(b.line, b.col);
  });
  std::vector<std::string> lines;
  for (const auto& e : r.errors) lines.push_back(r.format(e));
  if (!backend_given) lines.push_back(r.format(missing_backend));
  return Error{Errc::invalid, detail::join_issues(lines)};
}

Result<Config> load_file_impl(const std::string& path, const LoadOptions& opts) {
  std::error_code ec;
  const fs::path p(path);
  if (!fs::exists(p, ec)) {
    return make_error(Errc::not_found, "{}: config file not found; expected a readable YAML file",
                      path);
  }
  if (fs::is_directory(p, ec)) {
    return make_error(Errc::invalid, "{}: is a directory; expected a YAML config file", path);
  }
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    return make_error(Errc::io, "{}: cannot open config file ({}); expected a readable YAML file",
                      path, std::strerror(errno));
  }
  // At most one byte past the limit, so /dev/zero or a huge file is refused, not swallowed.
  std::string text(kMaxConfigBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) return make_error(Errc::io, "{}: read failed: {}", path, std::strerror(errno));
  text.resize(static_cast<size_t>(in.gcount()));
  const fs::path abs = fs::absolute(p, ec).lexically_normal();
  return load_text(text, path, abs.string(), abs.parent_path(), opts);
}

Result<Config> load_string_impl(const std::string& yaml_text, const std::string& name,
                                const LoadOptions& opts) {
  std::error_code ec;
  const fs::path cwd = fs::current_path(ec);
  if (ec)
    return make_error(Errc::io, "{}: cannot resolve the current directory: {}", name, ec.message());
  return load_text(yaml_text, name, name, cwd, opts);
}

}  // namespace

Result<Config> load_file(const std::string& path) {
  return load_file_impl(path, {});
}
Result<Config> load_file(const std::string& path, const LoadOptions& opts) {
  return load_file_impl(path, opts);
}
Result<Config> load_string(const std::string& yaml_text, const std::string& name) {
  return load_string_impl(yaml_text, name, {});
}
Result<Config> load_string(const std::string& yaml_text, const std::string& name,
                           const LoadOptions& opts) {
  return load_string_impl(yaml_text, name, opts);
}

}  // namespace tb::config
