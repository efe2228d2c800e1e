// Reads the exposure a frame was taken with from its own file. The Exif block is located here
// (a JPEG's APP1 "Exif" segment, or the whole file when it is TIFF-based: DNG, NEF, CR2, ARW)
// and decoded with exiv2's ExifParser, which needs no image factory (whose std::auto_ptr API
// exiv2 0.27 still has) and never touches the XMP toolkit the sidecar writer uses.
#include "tetherbox/capture/file_exposure.hpp"

#include <spdlog/spdlog.h>
#include <exiv2/exiv2.hpp>

#include <cmath>
#include <exception>
#include <limits>
#include <mutex>

namespace tb::capture {
namespace {

struct ExifBlock {
  std::span<const uint8_t> tiff;
  const char* kind = "";
};

bool is_tiff(std::span<const uint8_t> b) {
  return b.size() >= 8 && ((b[0] == 'I' && b[1] == 'I' && b[2] == 42 && b[3] == 0) ||
                           (b[0] == 'M' && b[1] == 'M' && b[2] == 0 && b[3] == 42));
}

// The TIFF structure inside a JPEG's first Exif APP1, walking the marker segments up to the
// start of scan.
std::optional<std::span<const uint8_t>> jpeg_exif(std::span<const uint8_t> b) {
  if (b.size() < 4 || b[0] != 0xFF || b[1] != 0xD8) return std::nullopt;
  size_t at = 2;
  while (at + 4 <= b.size()) {
    if (b[at] != 0xFF) return std::nullopt;
    const uint8_t marker = b[at + 1];
    if (marker == 0xFF) {  // fill byte
      ++at;
      continue;
    }
    if (marker == 0xDA || marker == 0xD9) return std::nullopt;  // image data: no Exif before it
    const size_t len = (static_cast<size_t>(b[at + 2]) << 8) | b[at + 3];
    if (len < 2 || at + 2 + len > b.size()) return std::nullopt;
    const auto body = b.subspan(at + 4, len - 2);
    static constexpr uint8_t kExif[6] = {'E', 'x', 'i', 'f', 0, 0};
    if (marker == 0xE1 && body.size() > 6 && std::equal(kExif, kExif + 6, body.begin()))
      return body.subspan(6);
    at += 2 + len;
  }
  return std::nullopt;
}

std::optional<ExifBlock> find_exif(std::span<const uint8_t> bytes) {
  if (auto t = jpeg_exif(bytes)) return ExifBlock{*t, "jpg"};
  if (is_tiff(bytes)) return ExifBlock{bytes, "tiff"};
  return std::nullopt;
}

const Exiv2::Exifdatum* find(const Exiv2::ExifData& d, const char* key) {
  auto it = d.findKey(Exiv2::ExifKey(key));
  if (it == d.end() || it->count() < 1) return nullptr;
  return &*it;
}

// A positive finite rational; a zero denominator or a negative value is "not written".
std::optional<double> positive_rational(const Exiv2::ExifData& d, const char* key) {
  const auto* v = find(d, key);
  if (!v) return std::nullopt;
  const Exiv2::Rational r = v->toRational(0);
  if (r.second == 0) return std::nullopt;
  const double x = static_cast<double>(r.first) / static_cast<double>(r.second);
  if (!std::isfinite(x) || !(x > 0)) return std::nullopt;
  return x;
}

std::optional<int> positive_integer(const Exiv2::ExifData& d, const char* key) {
  const auto* v = find(d, key);
  if (!v) return std::nullopt;
  const long x = v->toLong(0);
  if (x <= 0 || x > std::numeric_limits<int>::max()) return std::nullopt;
  return static_cast<int>(x);
}

template <typename T>
std::optional<T> first_of(const Exiv2::ExifData& d,
                          std::optional<T> (*get)(const Exiv2::ExifData&, const char*),
                          std::initializer_list<const char*> keys) {
  for (const char* k : keys)
    if (auto v = get(d, k)) return v;
  return std::nullopt;
}

// exiv2 prints what it finds wrong in a file straight to stderr; bring it into the one logger
// (debug: a damaged Exif block is reported to the caller as "not in the file" anyway). Only
// when nobody installed a handler of their own.
void route_exiv2_log() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (Exiv2::LogMsg::handler() != Exiv2::LogMsg::defaultHandler) return;
    Exiv2::LogMsg::setHandler([](int level, const char* text) {
      std::string_view t(text ? text : "");
      while (!t.empty() && t.back() == '\n') t.remove_suffix(1);
      spdlog::debug("exiv2 ({}): {}", level, t);
    });
  });
}

}  // namespace

std::optional<FileExposure> exposure_from_file(std::span<const uint8_t> bytes) {
  route_exiv2_log();
  const auto block = find_exif(bytes);
  if (!block || block->tiff.size() > std::numeric_limits<uint32_t>::max()) return std::nullopt;
  try {
    Exiv2::ExifData data;
    Exiv2::ExifParser::decode(data, block->tiff.data(), static_cast<uint32_t>(block->tiff.size()));
    if (data.empty()) return std::nullopt;
    FileExposure out;
    // TIFF/EP raws may keep these in IFD0 (Exif.Image) rather than the Exif IFD (Exif.Photo).
    out.shutter_s =
        first_of(data, positive_rational, {"Exif.Photo.ExposureTime", "Exif.Image.ExposureTime"});
    out.aperture = first_of(data, positive_rational, {"Exif.Photo.FNumber", "Exif.Image.FNumber"});
    out.focal_length_mm =
        first_of(data, positive_rational, {"Exif.Photo.FocalLength", "Exif.Image.FocalLength"});
    // ISOSpeedRatings is PhotographicSensitivity since Exif 2.3; 65535 there means "see the
    // 32-bit tags" (Exif 2.3 for ISO above 65535).
    auto iso = first_of(data, positive_integer,
                        {"Exif.Photo.ISOSpeedRatings", "Exif.Image.ISOSpeedRatings"});
    if (!iso || *iso == 65535) {
      if (auto big = first_of(data, positive_integer,
                              {"Exif.Photo.RecommendedExposureIndex",
                               "Exif.Photo.StandardOutputSensitivity", "Exif.Photo.ISOSpeed"}))
        iso = big;
    }
    out.iso = iso;
    if (!out.shutter_s && !out.aperture && !out.iso && !out.focal_length_mm) return std::nullopt;
    out.source = fmt::format("file EXIF ({})", block->kind);
    return out;
  } catch (const std::exception& e) {
    // Exiv2::AnyError for malformed Exif, std::bad_alloc for absurd counts: either way the file
    // does not tell, which the caller records as "exposure not read from the file".
    spdlog::debug("exposure_from_file: exiv2 could not decode the Exif block: {}", e.what());
    return std::nullopt;
  }
}

}  // namespace tb::capture
