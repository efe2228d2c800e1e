#include "open_sessions.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>

#include "tetherbox/capture/storage.hpp"

namespace tb::daemon {
namespace {

namespace fs = std::filesystem;

bool lock_held_elsewhere(const fs::path& bag) {
  const auto p = bag / capture::Bag::kLockFile;
  int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool held = flock(fd, LOCK_EX | LOCK_NB) != 0;
  close(fd);  // releases the probe's lock, if it got it
  return held;
}

size_t journal_frames(const fs::path& journal) {
  std::ifstream in(journal);
  size_t n = 0;
  std::string line;
  while (std::getline(in, line))
    if (line.find("\"type\":\"frame\"") != std::string::npos) ++n;
  return n;
}

std::string info_state(const fs::path& bag) {
  std::ifstream in(bag / "bag-info.txt");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("Tetherbox-Complete:", 0) == 0)
      return line.find("true") != std::string::npos ? "complete" : "incomplete";
  return "incomplete";
}

}  // namespace

std::vector<BagState> list_bags(const fs::path& root) {
  std::vector<BagState> out;
  std::error_code ec;
  for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    const auto& dir = it->path();
    // Hidden folders are bags still being created (storage.hpp); not sessions yet.
    if (dir.filename().string().front() == '.' || !it->is_directory(ec)) continue;
    const auto journal = dir / "data" / "journal.jsonl";
    if (!fs::exists(journal, ec)) continue;
    BagState b;
    b.dir = dir;
    b.frames = journal_frames(journal);
    if (lock_held_elsewhere(dir))
      b.state = "in use";
    else if (!fs::exists(dir / "tagmanifest-sha256.txt", ec))
      b.state = "open";
    else
      b.state = info_state(dir);
    out.push_back(std::move(b));
  }
  std::sort(out.begin(), out.end(),
            [](const BagState& a, const BagState& b) { return a.dir < b.dir; });
  return out;
}

std::vector<BagState> open_bags(const fs::path& root) {
  auto all = list_bags(root);
  std::erase_if(all, [](const BagState& b) { return b.state != "open"; });
  return all;
}

}  // namespace tb::daemon
