#include "tetherbox/capture/release_copy.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <memory>

namespace tb::capture {
namespace {

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

Result<int> open_regular(const ReleaseFile& r, Fd& f) {
  f.fd = ::open(r.source.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (f.fd < 0)
    return make_error(Errc::not_found, "metadata.releases: cannot read '{}': {}", r.source,
                      std::strerror(errno));
  struct stat st {};
  if (::fstat(f.fd, &st) != 0 || !S_ISREG(st.st_mode))
    return make_error(Errc::invalid, "metadata.releases: '{}' is not a regular file", r.source);
  return f.fd;
}

}  // namespace

Status check_releases_readable(const std::vector<ReleaseFile>& releases) {
  for (const auto& r : releases) {
    Fd f;
    auto fd = open_regular(r, f);
    if (!fd) return fd.error();
  }
  return {};
}

Status copy_releases(Bag& bag, const std::vector<ReleaseFile>& releases) {
  std::vector<Bag::Staged> staged;
  for (const auto& r : releases) {
    Fd f;
    auto fd = open_regular(r, f);
    if (!fd) return fd.error();
    auto s = bag.stage("releases/" + r.stored_name);
    if (!s) return s.error();
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    if (!md || EVP_DigestInit_ex(md.get(), EVP_sha256(), nullptr) != 1)
      return make_error(Errc::internal, "sha256 unavailable");
    std::vector<uint8_t> buf(1 << 20);
    for (;;) {
      ssize_t n = ::read(f.fd, buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0)
        return make_error(Errc::io, "metadata.releases: reading '{}': {}", r.source,
                          std::strerror(errno));
      if (n == 0) break;
      std::span<const uint8_t> chunk(buf.data(), static_cast<size_t>(n));
      EVP_DigestUpdate(md.get(), chunk.data(), chunk.size());
      TB_TRY(s->file.write(chunk));
    }
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned len = 0;
    EVP_DigestFinal_ex(md.get(), digest.data(), &len);
    static constexpr char kHex[] = "0123456789abcdef";
    for (unsigned i = 0; i < len; ++i) {
      s->sha256 += kHex[digest[i] >> 4];
      s->sha256 += kHex[digest[i] & 15];
    }
    staged.push_back(std::move(*s));
  }
  if (staged.empty()) return {};
  return bag.commit(staged);
}

}  // namespace tb::capture
