#include "idle_sync.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "open_sessions.hpp"
#include "tetherbox/capture/storage.hpp"
#include "tetherbox/delivery/copy.hpp"

namespace tb::daemon {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr std::chrono::seconds kFirstRetry{30};
constexpr std::chrono::seconds kMaxRetry{15 * 60};
constexpr std::chrono::seconds kScanEvery{2};

std::string find_cli() {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    // The build tree keeps both in firmware/; an install puts tetherboxd in sbin, the CLI in bin.
    for (const fs::path& p :
         {self.parent_path() / "tetherbox", self.parent_path().parent_path() / "bin" / "tetherbox"})
      if (::access(p.c_str(), X_OK) == 0) return p.string();
  }
  return "tetherbox";  // execvp looks it up on PATH
}

std::string place_for(const std::string& remote, const fs::path& bag) {
  const char last = remote.empty() ? ':' : remote.back();
  return remote + (last == ':' || last == '/' ? "" : "/") + bag.filename().string();
}

// The last lines of the child's stderr: the reason a person can act on.
std::string tail_of(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) lines.push_back(l);
  std::string out;
  for (size_t i = lines.size() > 4 ? lines.size() - 4 : 0; i < lines.size(); ++i)
    out += (out.empty() ? "" : " | ") + lines[i];
  return out;
}

}  // namespace

json bag_places(const fs::path& bag) {
  json out = json::array();
  out.push_back({{"type", "local"}, {"place", bag.string()}});
  auto msha = capture::sha256_file(bag / "manifest-sha256.txt");
  auto log = delivery::read_delivery_log(bag);
  if (!msha || !log) return out;
  std::set<std::string> seen;
  for (auto it = log->rbegin(); it != log->rend(); ++it) {  // the latest line of a place wins
    const auto& r = *it;
    if (r.manifest_sha256 != *msha || !seen.insert(r.place).second) continue;
    if (r.type == "copy") {  // a local copy counts while it is still there, unchanged
      auto h = capture::sha256_file(fs::path(r.place) / "manifest-sha256.txt");
      if (!h || *h != *msha) continue;
    }
    out.push_back({{"type", r.type}, {"place", r.place}, {"utc", r.utc}});
  }
  return out;
}

IdleSync::IdleSync(std::string cli) : cli_(cli.empty() ? find_cli() : std::move(cli)) {}

IdleSync::~IdleSync() {
  stop();
  std::error_code ec;
  if (!tmp_.empty()) fs::remove_all(tmp_, ec);
}

void IdleSync::stop() {
  if (child_ <= 0) return;
  ::kill(-child_, SIGTERM);  // the group: tetherbox sync and its rclone
  reap(true);
}

void IdleSync::reap(bool block) {
  if (child_ <= 0) return;
  int st = 0;
  pid_t r;
  do {
    r = ::waitpid(child_, &st, block ? 0 : WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == 0) return;  // still running
  const std::string key = bag_ + "\n" + remote_;
  if (r == child_ && WIFEXITED(st) && WEXITSTATUS(st) == 0) {
    spdlog::info("idle sync: {} verified on {}", bag_, remote_);
    attempts_.erase(key);
    ++synced_;
  } else {
    const bool stopped = r == child_ && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM;
    const std::string why =
        stopped ? "stopped (a session started or the daemon stops); resumes when idle"
                : tail_of(tmp_ / "sync.err");
    last_error_ = fmt::format("{} to {}: {}", bag_, remote_, why);
    if (!stopped) {
      auto& a = attempts_[key];
      ++a.failures;
      const auto wait = std::min<std::chrono::seconds>(
          kFirstRetry * (1 << std::min(a.failures - 1, 5)), kMaxRetry);
      a.next_try = std::chrono::steady_clock::now() + wait;
      spdlog::warn("idle sync: {} (retry in {} s)", last_error_, wait.count());
    } else {
      spdlog::info("idle sync: {}", last_error_);
    }
  }
  child_ = -1;
  next_scan_ = {};  // the next bag or remote goes at once
  bag_.clear();
  remote_.clear();
}

std::optional<std::pair<fs::path, std::string>> IdleSync::next_job(const config::Config& cfg,
                                                                   const fs::path& root) {
  const auto now = std::chrono::steady_clock::now();
  for (const auto& b : list_bags(root)) {
    if (b.state != "complete" && b.state != "incomplete") continue;  // open or in use: not yet
    auto msha = capture::sha256_file(b.dir / "manifest-sha256.txt");
    auto log = delivery::read_delivery_log(b.dir);
    if (!msha || !log) continue;
    for (const auto& remote : cfg.sync.remotes) {
      const std::string place = place_for(remote, b.dir);
      const bool done = std::any_of(log->begin(), log->end(), [&](const auto& r) {
        return r.type == "sync" && r.place == place && r.manifest_sha256 == *msha;
      });
      if (done) continue;
      auto a = attempts_.find(b.dir.string() + "\n" + remote);
      if (a != attempts_.end() && now < a->second.next_try) continue;
      return std::make_pair(b.dir, remote);
    }
  }
  return std::nullopt;
}

void IdleSync::poll(const config::Config& cfg, const fs::path& root, bool session_running) {
  enabled_ = cfg.sync.when_idle && !cfg.sync.remotes.empty();
  remotes_ = cfg.sync.remotes;
  reap(false);
  if (child_ > 0) {
    // Capture has the disk and the CPU; the upload resumes when the box is idle again.
    if (session_running || !enabled_) stop();
    return;
  }
  if (!enabled_ || session_running) return;
  const auto now = std::chrono::steady_clock::now();
  if (now < next_scan_) return;
  next_scan_ = now + kScanEvery;
  auto job = next_job(cfg, root);
  if (!job) return;
  if (tmp_.empty()) {
    char t[] = "/tmp/tetherboxd-sync.XXXXXX";
    if (!::mkdtemp(t)) {
      last_error_ = fmt::format("cannot make a temp folder: {}", std::strerror(errno));
      return;
    }
    tmp_ = t;
  }
  const std::string bag = job->first.string(), remote = job->second;
  std::vector<std::string> argv = {cli_, "sync", bag, remote};
  if (!cfg.sync.bwlimit.empty()) {
    argv.push_back("--bwlimit");
    argv.push_back(cfg.sync.bwlimit);
  }
  const fs::path err = tmp_ / "sync.err";
  const pid_t pid = ::fork();
  if (pid < 0) {
    last_error_ = fmt::format("cannot start {}: {}", cli_, std::strerror(errno));
    return;
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    const int o = ::open("/dev/null", O_WRONLY);
    const int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (o >= 0) ::dup2(o, 1);
    if (e >= 0) ::dup2(e, 2);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also here: a stop() right after fork must reach the group
  child_ = pid;
  bag_ = bag;
  remote_ = remote;
  spdlog::info("idle sync: sending {} to {}", bag, remote);
}

json IdleSync::status_json() const {
  std::string state = "off";
  if (enabled_) state = child_ > 0 ? "syncing" : "idle";
  if (enabled_ && child_ <= 0 && !attempts_.empty()) state = "waiting";  // a retry pending
  json j = {{"when_idle", enabled_},
            {"remotes", remotes_},
            {"state", state},
            {"synced", synced_},
            {"last_error", last_error_.empty() ? json(nullptr) : json(last_error_)}};
  if (child_ > 0) {
    j["bag"] = bag_;
    j["remote"] = remote_;
  }
  return j;
}

}  // namespace tb::daemon
