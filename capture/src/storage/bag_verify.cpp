// Bag verification: re-hash every file a manifest lists, and list every payload file no
// manifest lists. Nothing is ignored: a leftover temp file is an extra file, a torn manifest
// line is a problem. This is what tells a user whether a copied/synced dataset is intact.
// Nothing inside the bag is followed: every listed path is opened component by component with
// O_NOFOLLOW, so a link (to a copy elsewhere, to /etc) is reported, never hashed, and a FIFO
// or device is reported without being opened for reading (verify never hangs on it).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <set>
#include <thread>

#include "storage_io_detail.hpp"
#include "tetherbox/capture/storage.hpp"

namespace tb::capture {

namespace {

struct Listed {
  std::string path;
  std::string sha256;
};

struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

std::string kind_of(mode_t m) {
  if (S_ISLNK(m)) return "a symbolic link";
  if (S_ISFIFO(m)) return "a FIFO";
  if (S_ISCHR(m) || S_ISBLK(m)) return "a device file";
  if (S_ISSOCK(m)) return "a socket";
  if (S_ISDIR(m)) return "a folder";
  return "not a regular file";
}

enum class Open { ok, missing, problem };

// Opens bag_dir/rel for reading without following any link inside the bag. On Open::problem,
// *why says what is in the way.
Open open_in_bag(const fs::path& bag_dir, const std::string& rel, int* out, std::string* why) {
  int dirfd = ::open(bag_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0) {
    *why = fmt::format("cannot open the bag folder: {}", std::strerror(errno));
    return Open::problem;
  }
  Fd dir(dirfd);
  std::vector<std::string> parts;
  for (const auto& p : fs::path(rel)) parts.push_back(p.string());
  std::string sofar;
  for (size_t i = 0; i < parts.size(); ++i) {
    sofar += (sofar.empty() ? "" : "/") + parts[i];
    struct stat st {};
    if (::fstatat(dir.fd, parts[i].c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT || errno == ENOTDIR) return Open::missing;
      *why = fmt::format("{}: {}", sofar, std::strerror(errno));
      return Open::problem;
    }
    const bool last = i + 1 == parts.size();
    if (last ? !S_ISREG(st.st_mode) : !S_ISDIR(st.st_mode)) {
      *why = fmt::format("{} is {}", sofar, kind_of(st.st_mode));
      return Open::problem;
    }
    const int flags = last ? O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC
                           : O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
    const int fd = ::openat(dir.fd, parts[i].c_str(), flags);
    if (fd < 0) {
      *why = fmt::format("{}: {}", sofar, std::strerror(errno));
      return errno == ENOENT ? Open::missing : Open::problem;
    }
    // Swapped between the check and the open: fstat of what we actually opened decides.
    if (::fstat(fd, &st) != 0 || (last ? !S_ISREG(st.st_mode) : !S_ISDIR(st.st_mode))) {
      ::close(fd);
      *why = fmt::format("{} changed while being checked", sofar);
      return Open::problem;
    }
    if (last) {
      *out = fd;
      return Open::ok;
    }
    Fd next(fd);
    std::swap(dir.fd, next.fd);
  }
  *why = "empty path";
  return Open::problem;
}

Result<std::string> hash_fd(int fd, const std::string& rel, uint64_t* size) {
  detail::Sha256 h;
  // Not zero-filled: a bag of small files (an export's sidecars and VOC files) otherwise spent
  // more time clearing 4 MB per file than hashing it.
  const auto buf = std::make_unique_for_overwrite<uint8_t[]>(detail::kHashReadChunk);
  *size = 0;
  for (;;) {
    const ssize_t n = ::read(fd, buf.get(), detail::kHashReadChunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return make_error(Errc::io, "cannot read {}: {}", rel, std::strerror(errno));
    if (n == 0) break;
    h.update(buf.get(), static_cast<size_t>(n));
    *size += static_cast<uint64_t>(n);
  }
  return h.finish();
}

// A tag file in the bag root must be a regular file, not a link: else it is not read at all.
bool plain_tag_file(const fs::path& bag_dir, const std::string& name, VerifyReport& rep) {
  struct stat st {};
  if (::lstat((bag_dir / name).c_str(), &st) != 0) return false;
  if (S_ISREG(st.st_mode)) return true;
  rep.problems.push_back(fmt::format("{} is {}", name, kind_of(st.st_mode)));
  return false;
}

// Reads a manifest; malformed lines, duplicates and a missing final newline are problems.
std::vector<Listed> read_manifest(const fs::path& file, const std::string& name,
                                  VerifyReport& rep) {
  std::vector<Listed> out;
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    rep.problems.push_back(name + " cannot be read");
    return out;
  }
  const std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!all.empty() && all.back() != '\n')
    rep.problems.push_back(name + ": last line has no newline (file truncated?)");
  std::set<std::string> seen;
  size_t pos = 0;
  int lineno = 0;
  while (pos < all.size()) {
    size_t nl = all.find('\n', pos);
    if (nl == std::string::npos) nl = all.size();
    std::string line = all.substr(pos, nl - pos);
    pos = nl + 1;
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    Listed l;
    if (!detail::parse_manifest_line(line, &l.sha256, &l.path)) {
      rep.problems.push_back(fmt::format("{}:{}: malformed line '{}'", name, lineno, line));
      continue;
    }
    const fs::path p(l.path);
    bool escapes = p.is_absolute();
    for (const auto& part : p)
      if (part == "..") escapes = true;
    if (escapes) {
      rep.problems.push_back(fmt::format("{}:{}: path '{}' leaves the bag", name, lineno, l.path));
      continue;
    }
    if (!seen.insert(l.path).second) {
      rep.problems.push_back(fmt::format("{}:{}: '{}' listed twice", name, lineno, l.path));
      continue;
    }
    out.push_back(std::move(l));
  }
  return out;
}

// Hashes every listed file on as many threads as there are cores (a bag is mostly large
// files on an SSD: one thread is CPU-bound on SHA-256 long before the disk is). The outcome of
// each file lands in its own slot, so the report's order does not depend on the threads.
Status check_listed(const fs::path& bag_dir, const std::vector<Listed>& listed, VerifyReport& rep,
                    PayloadCheck check = PayloadCheck::hash) {
  enum class Kind { missing, problem, ok, error };
  struct Outcome {
    Kind kind = Kind::error;
    std::string text;  // problem: why; error: the message
    std::string sha;
    uint64_t size = 0;
    Errc code = Errc::io;
  };
  std::vector<Outcome> out(listed.size());
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < listed.size(); i = next++) {
      Outcome& o = out[i];
      int fd = -1;
      switch (open_in_bag(bag_dir, listed[i].path, &fd, &o.text)) {
        case Open::missing:
          o.kind = Kind::missing;
          continue;
        case Open::problem:
          o.kind = Kind::problem;
          continue;
        case Open::ok:
          break;
      }
      Fd file(fd);
      if (check == PayloadCheck::presence) {
        o.kind = Kind::ok;
        continue;
      }
      auto sha = hash_fd(file.fd, listed[i].path, &o.size);
      if (!sha) {
        o.kind = Kind::error;
        o.text = sha.error().message;
        o.code = sha.error().code;
        continue;
      }
      o.kind = Kind::ok;
      o.sha = std::move(*sha);
    }
  };
  const size_t n = std::min<size_t>(std::max(1u, std::thread::hardware_concurrency()),
                                    std::max<size_t>(1, listed.size()));
  std::vector<std::thread> threads;
  for (size_t t = 1; t < n; ++t) threads.emplace_back(work);
  work();
  for (auto& t : threads) t.join();
  for (size_t i = 0; i < listed.size(); ++i) {
    const auto& l = listed[i];
    const Outcome& o = out[i];
    switch (o.kind) {
      case Kind::missing:
        rep.missing.push_back(l.path);
        break;
      case Kind::problem:
        rep.problems.push_back(fmt::format("{}: {}", l.path, o.text));
        break;
      case Kind::error:
        return make_error(o.code, "{}", o.text);
      case Kind::ok:
        ++rep.files_checked;
        rep.bytes_checked += o.size;
        if (check == PayloadCheck::hash && o.sha != l.sha256) rep.changed.push_back(l.path);
        break;
    }
  }
  return ok_status();
}

// Payload-Oxum "<bytes>.<count>" from bag-info.txt, if present, against the manifest.
void check_oxum(const fs::path& bag_dir, const std::vector<Listed>& payload, VerifyReport& rep) {
  std::ifstream in(bag_dir / "bag-info.txt");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("Payload-Oxum:", 0) != 0) continue;
    unsigned long long bytes = 0, count = 0;
    if (std::sscanf(line.c_str(), "Payload-Oxum: %llu.%llu", &bytes, &count) != 2) {
      rep.problems.push_back("bag-info.txt: malformed Payload-Oxum '" + line + "'");
      return;
    }
    uint64_t actual = 0;
    for (const auto& l : payload) {
      std::error_code ec;
      const auto s = fs::file_size(bag_dir / l.path, ec);
      if (!ec) actual += s;
    }
    if (bytes != actual || count != payload.size())
      rep.problems.push_back(fmt::format("Payload-Oxum {}.{} but the payload is {}.{}", bytes,
                                         count, actual, payload.size()));
    return;
  }
}

}  // namespace

Result<VerifyReport> verify_bag(const fs::path& bag_dir, PayloadCheck payload_check) {
  if (!fs::is_directory(bag_dir))
    return make_error(Errc::not_found, "bag {} not found", bag_dir.string());
  VerifyReport rep;

  if (plain_tag_file(bag_dir, "bagit.txt", rep)) {
    std::ifstream in(bag_dir / "bagit.txt");
    std::string first;
    if (!in)
      rep.problems.push_back("bagit.txt missing");
    else if (!std::getline(in, first) || first.rfind("BagIt-Version: ", 0) != 0)
      rep.problems.push_back("bagit.txt does not start with 'BagIt-Version: '");
  } else if (!fs::exists(fs::symlink_status(bag_dir / "bagit.txt"))) {
    rep.problems.push_back("bagit.txt missing");
  }

  std::vector<Listed> payload;
  if (plain_tag_file(bag_dir, "manifest-sha256.txt", rep)) {
    payload = read_manifest(bag_dir / "manifest-sha256.txt", "manifest-sha256.txt", rep);
    for (const auto& l : payload)
      if (l.path.rfind("data/", 0) != 0)
        rep.problems.push_back("manifest-sha256.txt lists '" + l.path + "' outside data/");
  } else if (!fs::exists(fs::symlink_status(bag_dir / "manifest-sha256.txt"))) {
    rep.problems.push_back("manifest-sha256.txt missing");
  }
  TB_TRY(check_listed(bag_dir, payload, rep, payload_check));

  std::vector<Listed> tags;
  const bool tagmanifest_present =
      fs::exists(fs::symlink_status(bag_dir / "tagmanifest-sha256.txt"));
  const bool has_tagmanifest = plain_tag_file(bag_dir, "tagmanifest-sha256.txt", rep);
  if (has_tagmanifest) {
    tags = read_manifest(bag_dir / "tagmanifest-sha256.txt", "tagmanifest-sha256.txt", rep);
    TB_TRY(check_listed(bag_dir, tags, rep));
  } else if (!tagmanifest_present) {
    rep.problems.push_back("tagmanifest-sha256.txt missing (bag not finalized)");
  }
  if (plain_tag_file(bag_dir, "bag-info.txt", rep) && payload_check == PayloadCheck::hash)
    check_oxum(bag_dir, payload, rep);

  std::set<std::string> known;
  for (const auto& l : payload) known.insert(l.path);
  for (const auto& l : tags) known.insert(l.path);

  std::error_code ec;
  const fs::path data = bag_dir / "data";
  struct stat dst {};
  if (::lstat(data.c_str(), &dst) != 0) {
    rep.problems.push_back("data/ missing");
  } else if (!S_ISDIR(dst.st_mode)) {
    rep.problems.push_back(fmt::format("data/ is {}", kind_of(dst.st_mode)));
  } else {
    // The iterator does not follow links to folders; symlink_status() sees links as links.
    for (auto it = fs::recursive_directory_iterator(data, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      const auto type = it->symlink_status(ec).type();
      if (ec) break;
      if (type == fs::file_type::directory) continue;
      const std::string rel = "data/" + it->path().lexically_relative(data).generic_string();
      if (type != fs::file_type::regular) {
        struct stat st {};
        ::lstat(it->path().c_str(), &st);
        rep.problems.push_back(fmt::format("{} is {}", rel, kind_of(st.st_mode)));
        continue;
      }
      if (!known.count(rel)) rep.extra.push_back(rel);
    }
    if (ec) return make_error(Errc::io, "cannot list {}: {}", data.string(), ec.message());
  }
  // Tag files: once a tagmanifest exists, any other file in the bag root is unaccounted for.
  if (has_tagmanifest) {
    for (const auto& e : fs::directory_iterator(bag_dir, ec)) {
      if (e.symlink_status().type() == fs::file_type::directory) continue;
      const std::string n = e.path().filename().string();
      // The lock file is the writer's, not the dataset's (storage.hpp, Locking).
      if (n == "tagmanifest-sha256.txt" || n == Bag::kLockFile || known.count(n)) continue;
      rep.extra.push_back(n);
    }
  }
  return rep;
}

}  // namespace tb::capture
