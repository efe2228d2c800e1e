#pragma once
// A Bayer image whose every sample is predictable: a different gradient per colour channel,
// so a reader that swaps channels, drops rows or shifts the pattern gives different values.
#include <string>

#include "tetherbox/hal/dng/dng.hpp"

namespace tb::hal::dng::testing {

BayerImage synthetic_bayer(int width, int height, const std::string& cfa, uint16_t black,
                           uint16_t white);

// Reads a binary PGM ("P5", maxval > 255 is 16-bit big-endian) into samples.
struct Pgm {
  int width = 0, height = 0, maxval = 0;
  std::vector<uint16_t> samples;
};
Result<Pgm> read_pgm(const std::string& path);

std::string run_capture(const std::string& cmd, int* exit_code);
std::string temp_path(const std::string& stem);
void write_file(const std::string& path, const std::vector<uint8_t>& bytes);

}  // namespace tb::hal::dng::testing
