#include "tetherbox/capture/naming.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>
#include <set>
#include <variant>
#include <vector>

namespace tb::capture {

// One piece of a template: literal text, or a field with its optional fmt spec.
struct NameTemplate::Piece {
  bool is_field = false;
  std::string text;  // literal text, or the field name
  std::string spec;  // without the ':'
};

namespace {

using Piece = NameTemplate::Piece;

// A width or precision this large is a typo (or an attack: {seq:>2000000000} asks fmt for a
// 2 GB string); no file name needs more, and the whole name is capped anyway.
constexpr unsigned long kMaxSpecNumber = 64;
constexpr size_t kMaxSpecLength = 16;

const char* const kFields[] = {"session", "seq", "ring",    "idx", "light", "ev",
                               "az",      "el",  "bracket", "req", "date",  "time"};

bool known_field(const std::string& name) {
  for (const char* f : kFields) {
    if (name == f) return true;
  }
  return false;
}

std::string known_fields_list() {
  std::string out;
  for (const char* f : kFields) out += fmt::format("{}{{{}}}", out.empty() ? "" : " ", f);
  return out;
}

// Checked before fmt ever sees the spec, so a huge width cannot allocate.
Status check_spec_size(const std::string& text, const Piece& p) {
  if (p.spec.size() > kMaxSpecLength) {
    return make_error(Errc::invalid,
                      "name template \"{}\": format spec ':{}' of field {{{}}} is longer than {} "
                      "characters; e.g. {{seq:05}} {{ev:+.1f}} {{az:05.1f}}",
                      text, p.spec, p.text, kMaxSpecLength);
  }
  for (size_t i = 0; i < p.spec.size();) {
    if (p.spec[i] < '0' || p.spec[i] > '9') {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < p.spec.size() && p.spec[j] >= '0' && p.spec[j] <= '9') ++j;
    const std::string digits = p.spec.substr(i, j - i);
    if (digits.size() > 3 || std::stoul(digits) > kMaxSpecNumber) {
      return make_error(Errc::invalid,
                        "name template \"{}\": width or precision {} in {{{}:{}}} is too large; "
                        "expected at most {}",
                        text, digits, p.text, p.spec, kMaxSpecNumber);
    }
    i = j;
  }
  return ok_status();
}

// Splits "{a}_{b:05}" into pieces; "{{" and "}}" are literal braces.
Result<std::vector<Piece>> split(const std::string& text) {
  std::vector<Piece> pieces;
  std::string literal;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '{' && i + 1 < text.size() && text[i + 1] == '{') {
      literal += '{';
      ++i;
    } else if (c == '}' && i + 1 < text.size() && text[i + 1] == '}') {
      literal += '}';
      ++i;
    } else if (c == '}') {
      return make_error(Errc::invalid,
                        "name template \"{}\": unmatched '}}' at column {} (write '}}}}' for a "
                        "literal brace)",
                        text, i + 1);
    } else if (c == '{') {
      size_t close = text.find('}', i + 1);
      if (close == std::string::npos) {
        return make_error(Errc::invalid, "name template \"{}\": '{{' at column {} is never closed",
                          text, i + 1);
      }
      std::string inner = text.substr(i + 1, close - i - 1);
      if (inner.find('{') != std::string::npos) {
        return make_error(Errc::invalid,
                          "name template \"{}\": nested '{{' inside a field at column {}", text,
                          i + 1);
      }
      Piece p;
      p.is_field = true;
      size_t colon = inner.find(':');
      p.text = inner.substr(0, colon);
      if (colon != std::string::npos) p.spec = inner.substr(colon + 1);
      if (!known_field(p.text)) {
        return make_error(Errc::invalid,
                          "name template \"{}\": unknown field {{{}}}; known fields: {}", text,
                          p.text, known_fields_list());
      }
      if (auto st = check_spec_size(text, p); !st.ok()) return st.error();
      if (!literal.empty()) pieces.push_back(Piece{false, std::move(literal), {}});
      literal.clear();
      pieces.push_back(std::move(p));
      i = close;
    } else {
      literal += c;
    }
  }
  if (!literal.empty()) pieces.push_back(Piece{false, std::move(literal), {}});
  return pieces;
}

// Fields carry their natural type so a spec like {seq:05} or {ev:+.1f} means what fmt says.
using FieldValue = std::variant<std::string, uint64_t, int, double>;

struct DateTimeParts {
  std::string date;  // YYYYMMDD (UTC)
  std::string time;  // HHMMSS (UTC)
};

DateTimeParts utc_parts(UtcTime t) {
  using namespace std::chrono;
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss hms{floor<seconds>(t - day)};
  return {fmt::format("{:04}{:02}{:02}", static_cast<int>(ymd.year()),
                      static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day())),
          fmt::format("{:02}{:02}{:02}", hms.hours().count(), hms.minutes().count(),
                      hms.seconds().count())};
}

// Azimuth to whole degrees in 0..359: 359.7 is 0, the same place as 0.
int whole_azimuth(double az) {
  long r = std::lround(az) % 360;
  return static_cast<int>(r < 0 ? r + 360 : r);
}

// {az:05.1f} asks for the azimuth with decimals: give the real value when the spec is a
// floating-point one, whole degrees otherwise ({az:03}), so both kinds of spec mean what fmt says.
bool real_spec(const std::string& spec) {
  if (spec.find('.') != std::string::npos) return true;
  if (spec.empty()) return false;
  const char t = spec.back();
  return t == 'f' || t == 'F' || t == 'e' || t == 'E' || t == 'g' || t == 'G' || t == 'a' ||
         t == 'A';
}

double normal_azimuth(double az) {
  double a = std::fmod(az, 360.0);
  if (a < 0) a += 360.0;
  return a + 0.0;
}

FieldValue field_value(const std::string& field, const std::string& spec,
                       const std::string& session, const FrameRecord& rec) {
  const auto& p = rec.position;
  if (field == "session") return session;
  if (field == "seq") return rec.seq;
  if (field == "ring") return p.ring;
  if (field == "idx") return p.index_in_ring;
  if (field == "light") return p.light;
  if (field == "ev") return p.ev_offset + 0.0;  // + 0.0 turns -0.0 into 0.0: no "-0.0" names
  if (field == "az") {
    if (real_spec(spec)) return normal_azimuth(p.azimuth_deg);
    return whole_azimuth(p.azimuth_deg);
  }
  if (field == "el") {
    if (real_spec(spec)) return p.elevation_deg + 0.0;
    return static_cast<int>(std::lround(p.elevation_deg));
  }
  if (field == "bracket") return p.bracket_step;
  if (field == "req") return rec.request_id;
  if (field == "date") return utc_parts(rec.trigger_utc).date;
  if (field == "time") return utc_parts(rec.trigger_utc).time;
  return std::string();  // unreachable: split() admits only known fields
}

// Throws fmt::format_error on a spec that does not suit the field's type.
std::string format_field(const FieldValue& v, const std::string& spec) {
  const std::string f = spec.empty() ? std::string("{}") : "{:" + spec + "}";
  return std::visit([&](const auto& x) { return fmt::format(fmt::runtime(f), x); }, v);
}

}  // namespace

// File-system safe: [A-Za-z0-9._+-]; anything else becomes '-', one per UTF-8 character.
std::string sanitize_name(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    const bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (alnum || c == '.' || c == '_' || c == '+' || c == '-') {
      out += static_cast<char>(c);
    } else if ((c & 0xC0) == 0x80) {
      continue;  // UTF-8 continuation byte: its lead byte already became '-'
    } else {
      out += '-';
    }
  }
  // A leading dot would make a hidden file (or "." / ".."); keep names visible.
  if (!out.empty() && out.front() == '.') out.front() = '-';
  return out;
}

namespace {

FrameRecord sample_record() {
  FrameRecord r;
  r.request_id = 4242;
  r.seq = 12345;
  r.position.ring = 2;
  r.position.index_in_ring = 17;
  r.position.azimuth_deg = 287.5;
  r.position.elevation_deg = -15.0;
  r.position.light = "key";
  r.position.bracket_step = 1;
  r.position.ev_offset = -1.5;
  r.trigger_utc = UtcTime{std::chrono::seconds{1764088552}};
  return r;
}

}  // namespace

Result<NameTemplate> NameTemplate::parse(const std::string& text, bool require_unique) {
  if (text.empty()) {
    return make_error(Errc::invalid,
                      "name template is empty; e.g. \"{{session}}_{{seq:05}}_{{light}}\"");
  }
  auto pieces = split(text);
  if (!pieces) return pieces.error();

  std::set<std::string> used;
  const FrameRecord sample = sample_record();
  for (const auto& p : *pieces) {
    if (!p.is_field) continue;
    used.insert(p.text);
    try {
      (void)format_field(field_value(p.text, p.spec, "session", sample), p.spec);
    } catch (const fmt::format_error& e) {
      return make_error(Errc::invalid,
                        "name template \"{}\": format spec ':{}' does not suit field {{{}}} ({}); "
                        "e.g. {{seq:05}} {{ev:+.1f}} {{az:03}}",
                        text, p.spec, p.text, e.what());
    }
  }
  const bool by_counter = used.count("seq") || used.count("req");
  const bool by_position =
      used.count("ring") && used.count("az") && used.count("light") && used.count("ev");
  if (require_unique && !by_counter && !by_position) {
    return make_error(Errc::invalid,
                      "name template \"{}\" cannot make names unique: include {{seq}} or {{req}}, "
                      "or all of {{ring}} {{az}} {{light}} {{ev}}",
                      text);
  }
  NameTemplate t;
  t.text_ = text;
  // Parsed once: preflight renders every name of a plan (up to the shot cap) through these.
  t.pieces_ = std::make_shared<const std::vector<Piece>>(std::move(*pieces));
  return t;
}

std::vector<std::string> NameTemplate::fields() const {
  std::vector<std::string> out;
  if (!pieces_) return out;
  for (const auto& p : *pieces_)
    if (p.is_field) out.push_back(p.text);
  return out;
}

std::string NameTemplate::render(const std::string& session, const FrameRecord& rec) const {
  if (!pieces_ || pieces_->empty()) {  // only a NameTemplate not made by parse() gets here
    spdlog::error("name template \"{}\" was not made by parse(); naming by seq", text_);
    return sanitize_name(fmt::format("{}_{:05}", session, rec.seq));
  }
  std::string out;
  for (const auto& p : *pieces_) {
    if (!p.is_field) {
      out += p.text;
      continue;
    }
    const FieldValue v = field_value(p.text, p.spec, session, rec);
    try {
      out += format_field(v, p.spec);
    } catch (const fmt::format_error& e) {
      // parse() test-rendered this spec with the same types; reaching here is a bug, so say
      // so loudly and still produce a usable name.
      spdlog::error("name template \"{}\": field {{{}}} spec ':{}' failed: {}", text_, p.text,
                    p.spec, e.what());
      out += format_field(v, "");
    }
  }
  return sanitize_name(out);
}

}  // namespace tb::capture
