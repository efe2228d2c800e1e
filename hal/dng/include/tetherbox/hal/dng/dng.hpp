#pragma once
// DNG writing (libtiff) shared by the backends that produce RAW: the sim camera and libcamera.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "tetherbox/common/result.hpp"

namespace tb::hal::dng {

struct BayerImage {
  int width = 0, height = 0;
  std::vector<uint16_t> pixels;       // width*height, one sample per photosite, row-major
  std::string cfa = "RGGB";           // 2x2 pattern, top-left first: RGGB BGGR GRBG GBRG
  int bits = 16;                      // significant bits (10, 12, 16)
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
  std::string datetime;        // "YYYY:MM:DD HH:MM:SS"
  std::string subsec;          // "123"
  std::string offset_time = "+00:00";
  double exposure_time_s = 0;
  double f_number = 0;
  int iso = 0;
  double focal_length_mm = 0;
};

// Returns the bytes of a complete DNG 1.4 file (uncompressed CFA, 16-bit samples), readable by
// dcraw, libraw and exiftool.
Result<std::vector<uint8_t>> encode_dng(const BayerImage& img, const DngMeta& meta);

}  // namespace tb::hal::dng
