#include "rename_exif.hpp"

#include <fmt/format.h>
#include <exiv2/exiv2.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "tetherbox/delivery/rename.hpp"

namespace tb::delivery {

namespace {

// EXIF tags by number (exiv2 0.27 does not name every 2.31 tag, e.g. OffsetTimeOriginal).
constexpr uint16_t kDateTimeOriginal = 0x9003;
constexpr uint16_t kDateTimeDigitized = 0x9004;
constexpr uint16_t kOffsetTimeOriginal = 0x9011;
constexpr uint16_t kOffsetTimeDigitized = 0x9012;
constexpr uint16_t kSubSecOriginal = 0x9291;
constexpr uint16_t kSubSecDigitized = 0x9292;

std::string exif_text(const Exiv2::ExifData& exif, uint16_t tag) {
  // The Photo (Exif) IFD first; TIFF/EP RAWs (some NEF) put DateTimeOriginal in IFD0.
  for (const char* group : {"Photo", "Image"})
    for (const auto& d : exif)
      if (d.tag() == tag && d.groupName() == group) {
        std::string s = d.toString();
        while (!s.empty() && (s.back() == '\0' || s.back() == ' ')) s.pop_back();
        return s;
      }
  return {};
}

bool valid_offset(const std::string& o, int* minutes) {
  int h = 0, m = 0;
  char sign = 0;
  if (o.size() != 6 || std::sscanf(o.c_str(), "%c%2d:%2d", &sign, &h, &m) != 3) return false;
  if ((sign != '+' && sign != '-') || h > 14 || m > 59) return false;
  *minutes = (sign == '-' ? -1 : 1) * (h * 60 + m);
  return true;
}

std::string display(const std::filesystem::path& p) {
  return encode_name(p.filename().string());
}

}  // namespace

std::optional<UtcTime> parse_photo_time(const std::string& text, const std::string& subsec,
                                        const std::string& offset, bool* had_zone) {
  *had_zone = false;
  int Y = 0, M = 0, D = 0, h = 0, m = 0, s = 0, used = 0;
  const char* t = text.c_str();
  if (std::sscanf(t, "%4d:%2d:%2d %2d:%2d:%2d%n", &Y, &M, &D, &h, &m, &s, &used) == 6) {
    // EXIF form
  } else if (std::sscanf(t, "%4d-%2d-%2dT%2d:%2d:%2d%n", &Y, &M, &D, &h, &m, &s, &used) == 6) {
    // XMP with seconds
  } else if (s = 0, used = 0;
             std::sscanf(t, "%4d-%2d-%2dT%2d:%2d%n", &Y, &M, &D, &h, &m, &used) == 5) {
    // XMP without seconds
  } else {
    return std::nullopt;
  }
  using namespace std::chrono;
  const year_month_day ymd{year{Y}, month{static_cast<unsigned>(M)}, day{static_cast<unsigned>(D)}};
  if (Y < 1900 || !ymd.ok() || h > 23 || m > 59 || s > 60) return std::nullopt;
  auto tp = sys_days{ymd} + hours{h} + minutes{m} + seconds{s};
  std::string rest = text.substr(static_cast<size_t>(used));
  std::string frac = subsec;
  if (!rest.empty() && rest[0] == '.') {
    size_t k = 1;
    while (k < rest.size() && std::isdigit(static_cast<unsigned char>(rest[k]))) ++k;
    frac = rest.substr(1, k - 1);
    rest = rest.substr(k);
  }
  std::string digits;
  for (char c : frac)
    if (std::isdigit(static_cast<unsigned char>(c)) && digits.size() < 6) digits += c;
  int64_t us = 0;
  if (!digits.empty()) {
    us = std::stoll(digits);
    for (size_t k = digits.size(); k < 6; ++k) us *= 10;
  }
  int off_min = 0;
  if (rest == "Z") {
    *had_zone = true;
  } else if (valid_offset(rest, &off_min)) {
    *had_zone = true;
  } else if (!rest.empty()) {
    return std::nullopt;
  } else if (valid_offset(offset, &off_min)) {
    *had_zone = true;
  }
  return UtcTime{duration_cast<system_clock::duration>(tp.time_since_epoch() + microseconds{us} -
                                                       minutes{off_min})};
}

Result<ShotTime> shot_time(const std::vector<std::filesystem::path>& images,
                           const std::vector<std::filesystem::path>& sidecars) {
  std::vector<std::string> why;
  for (const auto& img : images) {
    try {
      auto image = Exiv2::ImageFactory::open(img.string());
      image->readMetadata();
      const auto& exif = image->exifData();
      struct Pick {
        uint16_t date, subsec, offset;
        const char* name;
      };
      bool any = false;
      for (const Pick& p :
           {Pick{kDateTimeOriginal, kSubSecOriginal, kOffsetTimeOriginal, "DateTimeOriginal"},
            Pick{kDateTimeDigitized, kSubSecDigitized, kOffsetTimeDigitized,
                 "DateTimeDigitized"}}) {
        const std::string text = exif_text(exif, p.date);
        if (text.empty()) continue;
        any = true;
        const std::string offset = exif_text(exif, p.offset);
        bool zone = false;
        auto t = parse_photo_time(text, exif_text(exif, p.subsec), offset, &zone);
        if (!t) {
          why.push_back(fmt::format("{}: EXIF {} \"{}\" is not a date", display(img), p.name,
                                    encode_name(text)));
          continue;
        }
        return ShotTime{*t, fmt::format("EXIF {}{} ({})", p.name,
                                        zone ? offset : std::string(" (camera clock, no offset)"),
                                        display(img))};
      }
      if (!any)
        why.push_back(
            fmt::format("{}: no EXIF DateTimeOriginal or DateTimeDigitized", display(img)));
    } catch (const Exiv2::AnyError& e) {
      why.push_back(fmt::format("{}: exiv2 cannot read its metadata: {}", display(img), e.what()));
    }
  }
  for (const auto& sc : sidecars) {
    try {
      std::ifstream in(sc, std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      Exiv2::XmpData xmp;
      if (Exiv2::XmpParser::decode(xmp, ss.str()) != 0) {
        why.push_back(fmt::format("{}: not a readable XMP packet", display(sc)));
        continue;
      }
      for (const char* key :
           {"Xmp.exif.DateTimeOriginal", "Xmp.photoshop.DateCreated", "Xmp.xmp.CreateDate"}) {
        auto it = xmp.findKey(Exiv2::XmpKey(key));
        if (it == xmp.end()) continue;
        bool zone = false;
        auto t = parse_photo_time(it->toString(), "", "", &zone);
        if (!t) continue;
        return ShotTime{*t, fmt::format("XMP {}{} ({})", key + 4,
                                        zone ? "" : " (camera clock, no offset)", display(sc))};
      }
    } catch (const Exiv2::AnyError& e) {
      why.push_back(fmt::format("{}: exiv2 cannot read it: {}", display(sc), e.what()));
    }
  }
  std::string msg = "no capture date (";
  for (size_t i = 0; i < why.size(); ++i) msg += (i ? "; " : "") + why[i];
  return make_error(Errc::not_found, "{})", msg);
}

}  // namespace tb::delivery
