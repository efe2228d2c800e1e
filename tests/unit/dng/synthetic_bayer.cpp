#include "synthetic_bayer.hpp"

#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace tb::hal::dng::testing {

BayerImage synthetic_bayer(int width, int height, const std::string& cfa, uint16_t black,
                           uint16_t white) {
  BayerImage img;
  img.width = width;
  img.height = height;
  img.cfa = cfa;
  img.black_level = black;
  img.white_level = white;
  img.bits = 16;
  img.pixels.resize(static_cast<size_t>(width) * height);
  const int span = white - black;
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      const char c = cfa[(y % 2) * 2 + (x % 2)];
      const int slope = c == 'R' ? 7 : c == 'G' ? 3 : 11;
      const int offset = c == 'R' ? 1000 : c == 'G' ? 5000 : 9000;
      img.pixels[static_cast<size_t>(y) * width + x] =
          static_cast<uint16_t>(black + (offset + slope * x + 5 * y) % span);
    }
  }
  return img;
}

Result<Pgm> read_pgm(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(Errc::not_found, "cannot open {}", path);
  std::string magic;
  Pgm p;
  in >> magic >> p.width >> p.height >> p.maxval;
  if (magic != "P5" || p.width <= 0 || p.height <= 0)
    return make_error(Errc::invalid, "{} is not a binary PGM (magic '{}')", path, magic);
  in.get();  // the single whitespace after maxval
  const size_t n = static_cast<size_t>(p.width) * p.height;
  p.samples.resize(n);
  if (p.maxval > 255) {
    std::vector<uint8_t> raw(n * 2);
    in.read(reinterpret_cast<char*>(raw.data()), static_cast<std::streamsize>(raw.size()));
    if (in.gcount() != static_cast<std::streamsize>(raw.size()))
      return make_error(Errc::invalid, "{} is truncated", path);
    for (size_t i = 0; i < n; ++i)
      p.samples[i] = static_cast<uint16_t>(raw[2 * i] << 8 | raw[2 * i + 1]);
  } else {
    std::vector<uint8_t> raw(n);
    in.read(reinterpret_cast<char*>(raw.data()), static_cast<std::streamsize>(raw.size()));
    if (in.gcount() != static_cast<std::streamsize>(raw.size()))
      return make_error(Errc::invalid, "{} is truncated", path);
    for (size_t i = 0; i < n; ++i) p.samples[i] = raw[i];
  }
  return p;
}

std::string run_capture(const std::string& cmd, int* exit_code) {
  std::string out;
  FILE* f = popen(cmd.c_str(), "r");
  if (!f) {
    *exit_code = -1;
    return out;
  }
  std::array<char, 65536> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), f)) > 0) out.append(buf.data(), n);
  const int st = pclose(f);
  *exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return out;
}

std::string temp_path(const std::string& stem) {
  static int counter = 0;
  return "/tmp/tb_dng_" + std::to_string(getpid()) + "_" + std::to_string(counter++) + "_" + stem;
}

void write_file(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

}  // namespace tb::hal::dng::testing
