#pragma once
// The control socket: a Unix stream socket served by one poll loop. Every client is bounded
// (a line of at most kMaxRequestBytes, a deadline to finish a line once begun, a cap on
// unsent output), so a client that floods or stalls is closed and cannot block the others.
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "protocol.hpp"
#include "tetherbox/common/result.hpp"

namespace tb::daemon {

inline constexpr size_t kMaxClients = 64;

struct ServerOptions {
  std::string path;
  std::chrono::milliseconds read_deadline{5000};  // from a line's first byte to its newline
  // A subscriber this far behind is dropped; a client with this much unread is not read.
  size_t max_unsent = 4u << 20;
};

struct Peer {
  pid_t pid = 0;
  uid_t uid = 0;
  gid_t gid = 0;
};

// Whether a peer may use the socket: root, the daemon's own uid, and any uid whose primary or
// supplementary groups include the socket's group.
bool peer_allowed(const Peer& p, gid_t socket_gid);

class Server {
 public:
  struct Hooks {
    // One request, one reply line. *subscribe set: the client then receives broadcast().
    // An empty reply is a promise: the line comes later through post_reply(client, ...) (a
    // slow device answered off the loop); until then that client's next lines wait, so its
    // replies keep their order.
    std::function<std::string(const Request&, const Peer&, bool* subscribe, uint64_t client)>
        handle;
    std::function<void()> on_wake;  // wake() was called (from any thread)
    std::function<void()> tick;     // about every 200 ms
    std::function<bool()> quit;
  };

  // Binds the socket (mode 0660, the daemon's group). Refuses when another process answers on
  // the path; a stale socket file left by a crash is replaced.
  static Result<std::unique_ptr<Server>> listen(const ServerOptions& o);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  void run(const Hooks& h);
  void wake();  // thread-safe, async-signal-safe
  // Thread-safe: the reply handle() promised `client`; dropped if that client has gone.
  void post_reply(uint64_t client, std::string line);
  void broadcast(const std::string& line);  // loop thread only
  const std::string& path() const { return opt_.path; }

 private:
  struct Client {
    int fd = -1;
    uint64_t serial = 0;    // fds are reused; a posted reply finds its client by this
    bool awaiting = false;  // a reply was promised and has not been posted yet
    Peer peer;
    std::string in, out;
    bool subscribed = false;
    bool closing = false;  // close once `out` is flushed
    // Refused at accept: told why, its input discarded, its side shut once the reason is sent,
    // closed at its EOF or the deadline (closing at once with its request unread would reset
    // the connection and could lose the reason).
    bool refused = false;
    bool shut = false;
    std::chrono::steady_clock::time_point line_started{};
  };
  explicit Server(ServerOptions o) : opt_(std::move(o)) {}
  void accept_all();
  void read_from(Client& c, const Hooks& h);
  void process_lines(Client& c, const Hooks& h);
  void flush(Client& c);
  void close_client(int fd);
  void deliver_posted(const Hooks& h);

  ServerOptions opt_;
  int listen_fd_ = -1;
  int wake_r_ = -1, wake_w_ = -1;
  gid_t gid_ = 0;
  std::map<int, Client> clients_;
  uint64_t next_serial_ = 1;
  std::mutex posted_mu_;
  std::vector<std::pair<uint64_t, std::string>> posted_;
};

}  // namespace tb::daemon
