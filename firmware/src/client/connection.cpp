#include "connection.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tb::client {

Result<Connection> Connection::open(const std::string& path) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(a.sun_path))
    return make_error(Errc::invalid, "socket path '{}' is empty or too long", path);
  std::memcpy(a.sun_path, path.c_str(), path.size() + 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return make_error(Errc::io, "socket: {}", std::strerror(errno));
  if (connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
    const int e = errno;
    close(fd);
    if (e == ENOENT || e == ECONNREFUSED)
      return make_error(Errc::not_found,
                        "no tetherboxd is listening on {} ({}); start it (systemctl start "
                        "tetherboxd) or give its socket with --socket",
                        path, std::strerror(e));
    if (e == EACCES)
      return make_error(Errc::refused,
                        "cannot connect to {}: permission denied; your user must be in the "
                        "socket's group",
                        path);
    return make_error(Errc::io, "cannot connect to {}: {}", path, std::strerror(e));
  }
  return Connection(fd);
}

Connection::~Connection() {
  if (fd_ >= 0) close(fd_);
}

Status Connection::send(const nlohmann::json& request) {
  const std::string line =
      request.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  size_t off = 0;
  while (off < line.size()) {
    ssize_t n = ::send(fd_, line.data() + off, line.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return make_error(Errc::disconnected, "the daemon closed the connection");
    off += static_cast<size_t>(n);
  }
  return {};
}

Result<nlohmann::json> Connection::next() {
  for (;;) {
    if (auto pos = buf_.find('\n'); pos != std::string::npos) {
      std::string line = buf_.substr(0, pos);
      buf_.erase(0, pos + 1);
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_discarded())
        return make_error(Errc::io, "the daemon sent a line that is not JSON: {}",
                          line.substr(0, 200));
      return j;
    }
    char b[65536];
    ssize_t n = recv(fd_, b, sizeof b, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return make_error(Errc::disconnected, "the daemon closed the connection");
    buf_.append(b, static_cast<size_t>(n));
  }
}

Result<nlohmann::json> Connection::call(const std::string& cmd, nlohmann::json args) {
  const int id = next_id_++;
  nlohmann::json req = {{"id", id}, {"cmd", cmd}};
  if (!args.empty()) req["args"] = std::move(args);
  if (auto sent = send(req); !sent.ok()) {
    // A refused peer is told why, then closed, possibly before our request went out: the
    // refusal is still there to read.
    auto why = next();
    if (why && why->contains("error")) return why;
    return sent.error();
  }
  // Event lines of a subscription may come first: the reply is the line with our id.
  for (;;) {
    auto j = next();
    if (!j) return j.error();
    if (j->contains("id") && (*j)["id"] == id) return j;
    // An error with a null id is about the connection (refused peer, too many clients).
    if (j->contains("error") && j->contains("id") && (*j)["id"].is_null()) return j;
  }
}

}  // namespace tb::client
