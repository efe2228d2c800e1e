// A JPEG's Exif APP1 segment written by hand (little-endian classic TIFF): IFD0 with Make,
// Model and the Exif IFD pointer; the Exif IFD with the exposure the frame was taken with. The
// same fields as the DNG's Exif IFD, so the RAW and the JPEG of one frame tell one story.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "exact_rationals.hpp"
#include "tetherbox/hal/dng/dng.hpp"

namespace tb::hal::dng {
namespace {

enum : uint16_t { kAscii = 2, kShort = 3, kLong = 4, kRational = 5, kUndefined = 7 };

struct Entry {
  uint16_t tag = 0;
  uint16_t type = 0;
  uint32_t count = 0;
  std::vector<uint8_t> value;  // little-endian bytes, count * size(type)
};

void put16(std::vector<uint8_t>& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v));
  b.push_back(static_cast<uint8_t>(v >> 8));
}
void put32(std::vector<uint8_t>& b, uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

Entry ascii(uint16_t tag, const std::string& text) {
  Entry e{tag, kAscii, 0, {}};
  e.value.assign(text.begin(), text.end());
  e.value.push_back(0);
  e.count = static_cast<uint32_t>(e.value.size());
  return e;
}
Entry rational(uint16_t tag, double v) {
  const auto [num, den] = detail::best_rational(v, 1000000);
  Entry e{tag, kRational, 1, {}};
  put32(e.value, num);
  put32(e.value, den);
  return e;
}
Entry short1(uint16_t tag, uint16_t v) {
  Entry e{tag, kShort, 1, {}};
  put16(e.value, v);
  return e;
}
Entry long1(uint16_t tag, uint32_t v) {
  Entry e{tag, kLong, 1, {}};
  put32(e.value, v);
  return e;
}

// Bytes of an IFD placed at `at` (offsets are from the TIFF header), its data after it.
size_t ifd_size(const std::vector<Entry>& entries) {
  size_t n = 2 + 12 * entries.size() + 4;
  for (const auto& e : entries)
    if (e.value.size() > 4) n += e.value.size() + (e.value.size() & 1);
  return n;
}

void write_ifd(std::vector<uint8_t>& tiff, std::vector<Entry> entries, uint32_t at) {
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.tag < b.tag; });
  uint32_t data_at = at + static_cast<uint32_t>(2 + 12 * entries.size() + 4);
  std::vector<uint8_t> data;
  put16(tiff, static_cast<uint16_t>(entries.size()));
  for (const auto& e : entries) {
    put16(tiff, e.tag);
    put16(tiff, e.type);
    put32(tiff, e.count);
    if (e.value.size() <= 4) {
      std::vector<uint8_t> v = e.value;
      v.resize(4, 0);
      tiff.insert(tiff.end(), v.begin(), v.end());
    } else {
      put32(tiff, data_at + static_cast<uint32_t>(data.size()));
      data.insert(data.end(), e.value.begin(), e.value.end());
      if (data.size() & 1) data.push_back(0);  // values start on a word boundary
    }
  }
  put32(tiff, 0);  // no next IFD
  tiff.insert(tiff.end(), data.begin(), data.end());
}

}  // namespace

Result<std::vector<uint8_t>> exif_app1_segment(const DngMeta& meta, int width, int height) {
  std::vector<Entry> exif;
  if (meta.exposure_time_s > 0 && std::isfinite(meta.exposure_time_s))
    exif.push_back(rational(0x829A, meta.exposure_time_s));  // ExposureTime
  if (meta.f_number > 0 && std::isfinite(meta.f_number))
    exif.push_back(rational(0x829D, meta.f_number));  // FNumber
  if (meta.iso > 0)
    exif.push_back(short1(0x8827, static_cast<uint16_t>(std::min(meta.iso, 65535))));  // ISO
  exif.push_back(Entry{0x9000, kUndefined, 4, {'0', '2', '3', '1'}});  // ExifVersion
  exif.push_back(Entry{0x9101, kUndefined, 4, {1, 2, 3, 0}});  // ComponentsConfiguration: YCbCr
  exif.push_back(Entry{0xA000, kUndefined, 4, {'0', '1', '0', '0'}});  // FlashpixVersion
  exif.push_back(short1(0xA001, 1));                                   // ColorSpace: sRGB
  if (width > 0 && height > 0) {
    exif.push_back(long1(0xA002, static_cast<uint32_t>(width)));   // PixelXDimension
    exif.push_back(long1(0xA003, static_cast<uint32_t>(height)));  // PixelYDimension
  }
  if (!meta.datetime.empty()) {
    exif.push_back(ascii(0x9003, meta.datetime));  // DateTimeOriginal
    if (!meta.offset_time.empty()) exif.push_back(ascii(0x9011, meta.offset_time));
    if (!meta.subsec.empty()) exif.push_back(ascii(0x9291, meta.subsec));  // SubSecTimeOriginal
  }
  if (meta.focal_length_mm > 0 && std::isfinite(meta.focal_length_mm))
    exif.push_back(rational(0x920A, meta.focal_length_mm));  // FocalLength

  if (!meta.serial.empty()) exif.push_back(ascii(0xA431, meta.serial));  // BodySerialNumber

  std::vector<Entry> ifd0{ascii(0x010F, meta.make), ascii(0x0110, meta.model),
                          rational(0x011A, 72.0),   rational(0x011B, 72.0),
                          short1(0x0128, 2),   // ResolutionUnit: inches
                          short1(0x0213, 1)};  // YCbCrPositioning: centred
  ifd0.push_back(long1(0x8769, 0));            // ExifIFD pointer, patched below
  const uint32_t ifd0_at = 8;
  const uint32_t exif_at = ifd0_at + static_cast<uint32_t>(ifd_size(ifd0));
  ifd0.back().value.clear();
  put32(ifd0.back().value, exif_at);

  std::vector<uint8_t> tiff{'I', 'I', 42, 0};
  put32(tiff, ifd0_at);
  write_ifd(tiff, ifd0, ifd0_at);
  write_ifd(tiff, exif, exif_at);

  const size_t seg_len = 2 + 6 + tiff.size();  // length field + "Exif\0\0" + TIFF
  if (seg_len > 0xFFFF)
    return make_error(Errc::invalid, "Exif segment of {} bytes does not fit an APP1 (64 KiB)",
                      seg_len);
  std::vector<uint8_t> seg{0xFF,
                           0xE1,
                           static_cast<uint8_t>(seg_len >> 8),
                           static_cast<uint8_t>(seg_len & 0xFF),
                           'E',
                           'x',
                           'i',
                           'f',
                           0,
                           0};
  seg.insert(seg.end(), tiff.begin(), tiff.end());
  return seg;
}

Result<std::vector<uint8_t>> insert_app1(std::span<const uint8_t> jpeg,
                                         std::span<const uint8_t> app1) {
  if (jpeg.size() < 4 || jpeg[0] != 0xFF || jpeg[1] != 0xD8)
    return make_error(Errc::invalid, "not a JPEG (no SOI marker); cannot add Exif");
  size_t at = 2;
  // After a JFIF APP0 when there is one (JFIF wants it first; Exif readers accept either).
  if (jpeg.size() >= 6 && jpeg[2] == 0xFF && jpeg[3] == 0xE0) {
    const size_t len = (static_cast<size_t>(jpeg[4]) << 8) | jpeg[5];
    if (4 + len > jpeg.size()) return make_error(Errc::invalid, "JPEG APP0 segment is truncated");
    at = 4 + len;
  }
  std::vector<uint8_t> out;
  out.reserve(jpeg.size() + app1.size());
  out.insert(out.end(), jpeg.begin(), jpeg.begin() + static_cast<std::ptrdiff_t>(at));
  out.insert(out.end(), app1.begin(), app1.end());
  out.insert(out.end(), jpeg.begin() + static_cast<std::ptrdiff_t>(at), jpeg.end());
  return out;
}

}  // namespace tb::hal::dng
