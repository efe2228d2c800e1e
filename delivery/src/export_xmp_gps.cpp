// The layout read here is exiv2's serialization (XmpParser::encode with omitPacketWrapper):
//   <x:xmpmeta ...>
//      <rdf:RDF ...>
//         <rdf:Description rdf:about=""            one block per namespace
//               xmlns:P="URI">
//            <P:Name>value</P:Name>                   a simple property on one line, or
//            <P:Name>                                 a structure or array over several lines,
//               ...                                   each more indented,
//            </P:Name>                                closed at the same indent
//         </rdf:Description>
// The properties removed are the ones capture::strip_gps erases (Xmp.exif.GPS*, tetherbox:Gps*);
// its tetherbox:GpsStatus "stripped" goes last in the tetherbox block, where exiv2 puts a
// property added last.
#include "export_xmp_gps.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

#include "tetherbox/capture/sidecar.hpp"

namespace tb::delivery {

namespace {

constexpr std::string_view kExifNs = "http://ns.adobe.com/exif/1.0/";

bool starts_with(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}

size_t indent_of(std::string_view line) {
  const size_t i = line.find_first_not_of(' ');
  return i == std::string_view::npos ? line.size() : i;
}

// Lines without their '\n'; `ends_in_newline` says whether the text's last line had one.
std::vector<std::string_view> split_lines(std::string_view text, bool* ends_in_newline) {
  std::vector<std::string_view> lines;
  size_t at = 0;
  while (at < text.size()) {
    const size_t nl = text.find('\n', at);
    if (nl == std::string_view::npos) {
      lines.push_back(text.substr(at));
      break;
    }
    lines.push_back(text.substr(at, nl - at));
    at = nl + 1;
  }
  *ends_in_newline = !text.empty() && text.back() == '\n';
  return lines;
}

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
}

// "<P:Name>" at the start of `body` (the line without its indent): the property's local name,
// or "" when the line does not open a property of prefix P that way (attributes, "/>", another
// prefix).
std::string_view opened_property(std::string_view body, std::string_view prefix) {
  if (body.size() < prefix.size() + 3 || body[0] != '<' ||
      body.substr(1, prefix.size()) != prefix || body[prefix.size() + 1] != ':')
    return {};
  const size_t from = prefix.size() + 2;
  size_t end = from;
  while (end < body.size() && is_name_char(body[end])) ++end;
  if (end == from || end >= body.size() || body[end] != '>') return {};
  return body.substr(from, end - from);
}

size_t count_gps(std::string_view s) {
  size_t n = 0;
  for (size_t i = 0; i + 3 <= s.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) == 'g' &&
        std::tolower(static_cast<unsigned char>(s[i + 1])) == 'p' &&
        std::tolower(static_cast<unsigned char>(s[i + 2])) == 's')
      ++n;
  return n;
}

}  // namespace

std::optional<std::string> strip_gps_sidecar_text(std::string_view packet) {
  bool ends_in_newline = false;
  const auto lines = split_lines(packet, &ends_in_newline);
  if (lines.empty() || !starts_with(lines[0], "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\""))
    return std::nullopt;
  const std::string_view tb_ns = capture::kTetherboxXmpNs;
  std::string out;
  out.reserve(packet.size());
  auto emit = [&out](std::string_view l) {
    out.append(l);
    out.push_back('\n');
  };
  const std::string status_name = "GpsStatus";
  size_t tetherbox_blocks = 0;
  std::string status_line;  // what capture::strip_gps writes, at the tetherbox block's indent
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    const size_t ind = indent_of(line);
    if (line.substr(ind) != "<rdf:Description rdf:about=\"\"") {
      emit(line);
      continue;
    }
    // A block: its one namespace declaration on the next line, then its properties.
    if (i + 1 >= lines.size()) return std::nullopt;
    const std::string_view decl = lines[i + 1].substr(indent_of(lines[i + 1]));
    if (!starts_with(decl, "xmlns:") || decl.size() < 10 || decl.substr(decl.size() - 2) != "\">")
      return std::nullopt;
    const size_t eq = decl.find("=\"");
    if (eq == std::string_view::npos) return std::nullopt;
    const std::string_view prefix = decl.substr(6, eq - 6);
    const std::string_view uri = decl.substr(eq + 2, decl.size() - 2 - (eq + 2));
    if (prefix.empty() || uri.find('"') != std::string_view::npos) return std::nullopt;
    const bool exif = uri == kExifNs, tetherbox = uri == tb_ns;
    // exiv2 writes these two namespaces with these prefixes; another binding is not its layout.
    if ((exif || prefix == "exif") && !(exif && prefix == "exif")) return std::nullopt;
    if ((tetherbox || prefix == "tetherbox") && !(tetherbox && prefix == "tetherbox"))
      return std::nullopt;
    emit(line);
    emit(lines[i + 1]);
    i += 2;
    size_t kept = 0, prop_indent = 0;
    for (;; ++i) {
      if (i >= lines.size()) return std::nullopt;
      const std::string_view l = lines[i];
      const size_t li = indent_of(l);
      const std::string_view body = l.substr(li);
      if (body == "</rdf:Description>") {
        if (li != ind) return std::nullopt;
        if (tetherbox) {
          if (kept == 0) return std::nullopt;
          ++tetherbox_blocks;
          status_line = std::string(prop_indent, ' ') + "<" + std::string(prefix) + ":" +
                        status_name + ">stripped</" + std::string(prefix) + ":" + status_name + ">";
          emit(status_line);
        } else if (kept == 0) {
          return std::nullopt;  // every property went: exiv2 writes no block, leave it to it
        }
        emit(l);
        break;
      }
      const std::string_view name = opened_property(body, prefix);
      if (name.empty() || li <= ind) return std::nullopt;
      if (prop_indent == 0) prop_indent = li;
      if (li != prop_indent) return std::nullopt;
      const std::string close = "</" + std::string(prefix) + ":" + std::string(name) + ">";
      size_t last = i;  // the property's last line
      if (body.size() > close.size() && body.substr(body.size() - close.size()) == close) {
        // One line: its value holds no markup.
        const std::string_view value =
            body.substr(name.size() + prefix.size() + 3,
                        body.size() - close.size() - (name.size() + prefix.size() + 3));
        if (value.find('<') != std::string_view::npos) return std::nullopt;
      } else {
        if (body.size() != name.size() + prefix.size() + 3) return std::nullopt;  // "<P:Name>"
        for (last = i + 1;; ++last) {
          if (last >= lines.size()) return std::nullopt;
          const size_t ci = indent_of(lines[last]);
          if (ci == li && lines[last].substr(ci) == close) break;
          if (ci <= li) return std::nullopt;
        }
      }
      const bool drop =
          (exif && starts_with(name, "GPS")) || (tetherbox && starts_with(name, "Gps"));
      if (!drop) {
        for (size_t k = i; k <= last; ++k) emit(lines[k]);
        ++kept;
      }
      i = last;
    }
  }
  if (tetherbox_blocks != 1) return std::nullopt;
  if (!ends_in_newline) out.pop_back();
  // The one "Gps" left must be the status written above (twice in its line): a GPS property in
  // a form not read here, or a value naming GPS, goes to the exiv2 path.
  if (count_gps(out) != 2) return std::nullopt;
  return out;
}

}  // namespace tb::delivery
