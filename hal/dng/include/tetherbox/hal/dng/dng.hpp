#pragma once
// DNG writing (libtiff) shared by the backends that produce RAW: the sim camera and libcamera.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "tetherbox/common/result.hpp"

namespace tb::hal::dng {

struct BayerImage {
  int width = 0, height = 0;
  std::vector<uint16_t> pixels;  // width*height, one sample per photosite, row-major
  std::string cfa = "RGGB";      // 2x2 pattern, top-left first: RGGB BGGR GRBG GBRG
  int bits = 16;                 // significant bits (10, 12, 16)
  uint16_t black_level = 0;
  uint16_t white_level = 65535;
  std::array<double, 9> color_matrix1 = {1, 0, 0, 0, 1, 0, 0, 0, 1};  // XYZ -> camera, D65
  std::array<double, 3> as_shot_neutral = {1, 1, 1};
};

struct DngMeta {
  std::string make = "tetherbox";
  std::string model = "sim";
  std::string unique_model;
  std::string serial;
  std::string datetime;  // "YYYY:MM:DD HH:MM:SS"
  std::string subsec;    // "123"
  std::string offset_time = "+00:00";
  double exposure_time_s = 0;
  double f_number = 0;
  int iso = 0;
  double focal_length_mm = 0;
};

// Returns the bytes of a complete DNG 1.4 file (uncompressed CFA, 16-bit samples), readable by
// dcraw, libraw and exiftool.
Result<std::vector<uint8_t>> encode_dng(const BayerImage& img, const DngMeta& meta);

// A JPEG Exif APP1 segment (marker and length included) with meta's Make, Model,
// BodySerialNumber, ExposureTime, FNumber, ISO, FocalLength and DateTimeOriginal (+ subsec and
// offset), plus the tags Exif 2.3 requires of a JPEG (resolution, YCbCr positioning, colour
// space, components, Flashpix version, and the pixel size when width/height are given): what a
// camera writes into its JPEG, for the frame's own exposure.
Result<std::vector<uint8_t>> exif_app1_segment(const DngMeta& meta, int width = 0, int height = 0);
// `jpeg` with `app1` inserted after SOI (after the JFIF APP0 when present).
Result<std::vector<uint8_t>> insert_app1(std::span<const uint8_t> jpeg,
                                         std::span<const uint8_t> app1);

// An 8-bit interleaved RGB image (row-major, 3 bytes per pixel).
struct RgbImage {
  int width = 0, height = 0;
  std::vector<uint8_t> rgb;
};

// A crude preview: one RGB pixel per `scale` x `scale` block (scale even, >= 2), taken from the
// 2x2 CFA cell at the block's corner, black-subtracted, white-balanced by as_shot_neutral and
// gamma-encoded. Good for thumbnails and histograms, not for delivery.
Result<RgbImage> bayer_preview_rgb8(const BayerImage& img, int scale);

// MIPI CSI-2 packed RAW rows -> one uint16 per photosite, in the sensor's own range
// (0..1023 for RAW10, 0..4095 for RAW12). `stride` is the byte length of one row in `packed`
// (>= the packed row length; drivers pad rows). RAW10 packs 4 pixels in 5 bytes (4 MSB bytes,
// then one byte of 2-bit LSBs, pixel 0 in bits 1:0); RAW12 packs 2 pixels in 3 bytes (2 MSB
// bytes, then one byte of 4-bit LSBs, pixel 0 in bits 3:0).
Result<std::vector<uint16_t>> unpack_csi2p10(std::span<const uint8_t> packed, int width, int height,
                                             std::size_t stride);
Result<std::vector<uint16_t>> unpack_csi2p12(std::span<const uint8_t> packed, int width, int height,
                                             std::size_t stride);
// Packed row length in bytes for `width` pixels (partial groups are padded to a whole group).
std::size_t csi2p10_row_bytes(int width);
std::size_t csi2p12_row_bytes(int width);

}  // namespace tb::hal::dng
