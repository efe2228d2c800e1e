#include "server.hpp"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

namespace tb::daemon {
namespace {

Result<sockaddr_un> address(const std::string& path) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(a.sun_path))
    return make_error(Errc::invalid, "socket path '{}' is empty or longer than {} bytes", path,
                      sizeof(a.sun_path) - 1);
  std::memcpy(a.sun_path, path.c_str(), path.size() + 1);
  return a;
}

bool in_group(uid_t uid, gid_t primary, gid_t g) {
  if (primary == g) return true;
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* res = nullptr;
  if (getpwuid_r(uid, &pw, buf.data(), buf.size(), &res) != 0 || !res) return false;
  int n = 64;
  std::vector<gid_t> groups(static_cast<size_t>(n));
  if (getgrouplist(pw.pw_name, pw.pw_gid, groups.data(), &n) < 0) {
    groups.resize(static_cast<size_t>(n));
    if (getgrouplist(pw.pw_name, pw.pw_gid, groups.data(), &n) < 0) return false;
  }
  for (int i = 0; i < n; ++i)
    if (groups[static_cast<size_t>(i)] == g) return true;
  return false;
}

}  // namespace

bool peer_allowed(const Peer& p, gid_t socket_gid) {
  return p.uid == 0 || p.uid == geteuid() || in_group(p.uid, p.gid, socket_gid);
}

Result<std::unique_ptr<Server>> Server::listen(const ServerOptions& o) {
  auto addr = address(o.path);
  if (!addr) return addr.error();
  std::error_code ec;
  const auto dir = std::filesystem::path(o.path).parent_path();
  if (!dir.empty()) std::filesystem::create_directories(dir, ec);
  std::unique_ptr<Server> s(new Server(o));
  s->gid_ = getegid();

  // Another daemon on this path answers a connect: refuse rather than steal its socket.
  {
    int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (probe >= 0) {
      const bool alive =
          connect(probe, reinterpret_cast<const sockaddr*>(&*addr), sizeof(*addr)) == 0;
      Peer other;
      socklen_t len = sizeof(ucred);
      ucred cr{};
      if (alive && getsockopt(probe, SOL_SOCKET, SO_PEERCRED, &cr, &len) == 0) other.pid = cr.pid;
      close(probe);
      if (alive)
        return make_error(Errc::busy,
                          "another tetherboxd (pid {}) is already serving {}; stop it first or "
                          "use --socket with another path",
                          other.pid, o.path);
    }
  }
  struct stat st {};
  if (lstat(o.path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode))
      return make_error(Errc::invalid, "{} exists and is not a socket; refusing to replace it",
                        o.path);
    unlink(o.path.c_str());  // stale: left by a daemon that crashed
  }
  s->listen_fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (s->listen_fd_ < 0) return make_error(Errc::io, "socket: {}", std::strerror(errno));
  // Created 0660 from the start: no window in which anyone else could connect.
  const mode_t old = umask(0117);
  const int b = bind(s->listen_fd_, reinterpret_cast<const sockaddr*>(&*addr), sizeof(*addr));
  const int bind_errno = errno;
  umask(old);
  if (b != 0)
    return make_error(bind_errno == EACCES || bind_errno == EROFS ? Errc::refused : Errc::io,
                      "cannot create the control socket {}: {}", o.path,
                      std::strerror(bind_errno));
  if (chmod(o.path.c_str(), 0660) != 0 || chown(o.path.c_str(), static_cast<uid_t>(-1), s->gid_) != 0)
    spdlog::warn("control socket {}: cannot set mode 0660 / group {}: {}", o.path, s->gid_,
                 std::strerror(errno));
  if (::listen(s->listen_fd_, 16) != 0)
    return make_error(Errc::io, "listen on {}: {}", o.path, std::strerror(errno));
  int p[2];
  if (pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0)
    return make_error(Errc::io, "pipe: {}", std::strerror(errno));
  s->wake_r_ = p[0];
  s->wake_w_ = p[1];
  return s;
}

Server::~Server() {
  for (auto& [fd, c] : clients_) close(fd);
  if (listen_fd_ >= 0) {
    close(listen_fd_);
    unlink(opt_.path.c_str());
  }
  if (wake_r_ >= 0) close(wake_r_);
  if (wake_w_ >= 0) close(wake_w_);
}

void Server::wake() {
  const char b = 1;
  // A full pipe already holds a wake-up: nothing is lost.
  [[maybe_unused]] auto n = write(wake_w_, &b, 1);
}

void Server::post_reply(uint64_t client, std::string line) {
  {
    std::lock_guard lk(posted_mu_);
    posted_.emplace_back(client, std::move(line));
  }
  wake();
}

void Server::deliver_posted(const Hooks& h) {
  std::vector<std::pair<uint64_t, std::string>> posted;
  {
    std::lock_guard lk(posted_mu_);
    posted.swap(posted_);
  }
  for (auto& [serial, line] : posted) {
    auto it = std::find_if(clients_.begin(), clients_.end(),
                           [&](const auto& fc) { return fc.second.serial == serial; });
    if (it == clients_.end()) continue;
    Client& c = it->second;
    c.awaiting = false;
    c.out += line;
    process_lines(c, h);  // what it sent meanwhile, in order
    flush(c);
  }
}

void Server::close_client(int fd) {
  close(fd);
  clients_.erase(fd);
}

void Server::accept_all() {
  for (;;) {
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) return;
    Client c;
    c.fd = fd;
    c.serial = next_serial_++;
    ucred cr{};
    socklen_t len = sizeof(cr);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) != 0) {
      close(fd);
      continue;
    }
    c.peer = {cr.pid, cr.uid, cr.gid};
    if (clients_.size() >= kMaxClients) {
      // Every fd stays bounded: past the cap a client is told why and closed at once.
      c.out = reply_error(nullptr, code::busy,
                          fmt::format("{} clients already connected; try again", kMaxClients));
      c.refused = true;
    } else if (!peer_allowed(c.peer, gid_)) {
      spdlog::warn("control socket: refused uid {} (pid {}): not root, not the daemon's user, "
                   "not in group {}", c.peer.uid, c.peer.pid, gid_);
      c.out = reply_error(nullptr, code::not_allowed,
                          fmt::format("uid {} may not use {}: ask to be added to the socket's "
                                      "group (gid {})", c.peer.uid, opt_.path, gid_));
      c.refused = true;
    }
    c.line_started = std::chrono::steady_clock::now();
    clients_.emplace(fd, std::move(c));
    flush(clients_.at(fd));
  }
}

void Server::flush(Client& c) {
  while (!c.out.empty()) {
    ssize_t n = send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
    if (n > 0) {
      c.out.erase(0, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    c.closing = true;  // peer gone
    c.out.clear();
  }
  if (c.refused && c.out.empty() && !c.shut) {
    shutdown(c.fd, SHUT_WR);
    c.shut = true;
  }
  // A client that stopped sending still gets the reply it was promised.
  if (c.closing && c.out.empty() && !c.awaiting) close_client(c.fd);
}

void Server::read_from(Client& c, const Hooks& h) {
  char buf[65536];
  for (;;) {
    ssize_t n = recv(c.fd, buf, sizeof buf, 0);
    if (n == 0) {  // the peer is done sending; what it asked is still answered
      c.closing = true;
      break;
    }
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      c.closing = true;
      c.out.clear();
      break;
    }
    if (n < 0) break;
    if (c.refused) continue;  // nothing it sends is read
    if (c.in.empty()) c.line_started = std::chrono::steady_clock::now();
    c.in.append(buf, static_cast<size_t>(n));
    process_lines(c, h);
    if (c.out.size() >= opt_.max_unsent) break;
    if (!c.closing && c.in.size() > kMaxRequestBytes) {
      // No newline within the limit: the rest of this line is never read.
      c.out += reply_error(nullptr, code::too_large,
                           fmt::format("request line over {} bytes; connection closed",
                                       kMaxRequestBytes));
      c.in.clear();
      c.closing = true;
    }
    if (c.closing) break;
  }
}

// Answers the complete lines in `in`, in order. A client that sends requests but does not
// read the replies stops being answered (and read) once `out` is full, so it cannot grow the
// daemon's memory; its lines are answered as `out` drains. Consumed bytes are erased once.
void Server::process_lines(Client& c, const Hooks& h) {
  size_t start = 0, pos;
  while (!c.closing && !c.awaiting && c.out.size() < opt_.max_unsent &&
         (pos = c.in.find('\n', start)) != std::string::npos) {
    std::string_view line(c.in.data() + start, pos - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty()) {
      Parsed p = parse_request(line);
      if (!p.request) {
        c.out += reply_error(p.error.id, p.error.code, p.error.message);
        if (p.error.code == code::too_large) c.closing = true;
      } else {
        bool sub = false;
        const std::string reply = h.handle(*p.request, c.peer, &sub, c.serial);
        if (reply.empty()) c.awaiting = true;
        c.out += reply;
        if (sub) c.subscribed = true;
      }
    }
    start = pos + 1;
    c.line_started = std::chrono::steady_clock::now();
  }
  c.in.erase(0, start);
}

void Server::broadcast(const std::string& line) {
  std::vector<int> fds;
  for (auto& [fd, c] : clients_)
    if (c.subscribed && !c.closing) fds.push_back(fd);
  for (int fd : fds) {
    auto& c = clients_.at(fd);
    if (c.out.size() + line.size() > opt_.max_unsent) {
      spdlog::warn("control socket: subscriber pid {} is {} bytes behind; dropped", c.peer.pid,
                   c.out.size());
      close_client(fd);
      continue;
    }
    c.out += line;
    flush(c);
  }
}

void Server::run(const Hooks& h) {
  auto last_tick = std::chrono::steady_clock::now();
  while (!h.quit()) {
    std::vector<pollfd> pf;
    pf.push_back({listen_fd_, POLLIN, 0});
    pf.push_back({wake_r_, POLLIN, 0});
    for (auto& [fd, c] : clients_)
      pf.push_back({fd,
                    static_cast<short>((c.closing || c.out.size() >= opt_.max_unsent ? 0 : POLLIN) |
                                       (c.out.empty() ? 0 : POLLOUT)),
                    0});
    poll(pf.data(), pf.size(), 200);
    if (pf[1].revents & POLLIN) {
      char b[256];
      while (read(wake_r_, b, sizeof b) > 0) {
      }
      if (h.on_wake) h.on_wake();
      deliver_posted(h);
    }
    if (pf[0].revents & POLLIN) accept_all();
    for (size_t i = 2; i < pf.size(); ++i) {
      auto it = clients_.find(pf[i].fd);
      if (it == clients_.end()) continue;
      Client& c = it->second;
      if (pf[i].revents & (POLLIN | POLLHUP | POLLERR)) read_from(c, h);
      if (!clients_.count(pf[i].fd)) continue;
      flush(c);
      // Lines held back while `out` was full are answered now that it drained.
      if (clients_.count(pf[i].fd) && !c.closing && !c.awaiting && c.out.size() < opt_.max_unsent &&
          c.in.find('\n') != std::string::npos) {
        process_lines(c, h);
        flush(c);
      }
    }
    // Half a line, then silence past the deadline: the client is closed so it holds nothing.
    const auto now = std::chrono::steady_clock::now();
    std::vector<int> stalled, expired;
    for (auto& [fd, c] : clients_)
      if (c.refused && now - c.line_started > opt_.read_deadline) expired.push_back(fd);
    for (int fd : expired) close_client(fd);
    for (auto& [fd, c] : clients_)
      if (!c.in.empty() && !c.closing && c.out.size() < opt_.max_unsent &&
          c.in.find('\n') == std::string::npos && now - c.line_started > opt_.read_deadline)
        stalled.push_back(fd);
    for (int fd : stalled) {
      auto& c = clients_.at(fd);
      c.out += reply_error(nullptr, code::timeout,
                           fmt::format("half a request line and no newline within {} ms; "
                                       "connection closed",
                                       opt_.read_deadline.count()));
      c.in.clear();
      c.closing = true;
      flush(c);
    }
    if (h.tick && now - last_tick >= std::chrono::milliseconds(200)) {
      last_tick = now;
      h.tick();
    }
  }
}

}  // namespace tb::daemon
