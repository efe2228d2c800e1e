// Pascal VOC annotation skeleton: one XML per image, its size, no objects yet.
#include <fmt/format.h>

#include "tetherbox/capture/dataset.hpp"
#include "tetherbox/capture/text_utf8.hpp"

namespace tb::capture {

namespace {

// XML readers refuse invalid UTF-8 and control characters: both are replaced, never dropped.
std::string xml_escape(const std::string& raw) {
  const std::string s = text::clean_utf8(raw);
  std::string out;
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n') {
      out += '?';
      continue;
    }
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace

std::string voc_annotation(const DatasetImage& image) {
  const fs::path p(image.file_name);
  return fmt::format(
      "<annotation>\n"
      "  <folder>{}</folder>\n"
      "  <filename>{}</filename>\n"
      "  <path>{}</path>\n"
      "  <source><database>tetherbox</database><annotation>none yet</annotation>"
      "<image>{}</image></source>\n"
      "  <size><width>{}</width><height>{}</height><depth>3</depth></size>\n"
      "  <segmented>0</segmented>\n"
      "</annotation>\n",
      xml_escape(p.parent_path().string()), xml_escape(p.filename().string()),
      xml_escape(image.file_name), xml_escape(image.date_captured), image.width, image.height);
}

}  // namespace tb::capture
