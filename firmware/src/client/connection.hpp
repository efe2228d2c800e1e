#pragma once
// One connection to tetherboxd: request lines out, reply and event lines in.
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "tetherbox/common/result.hpp"

namespace tb::client {

class Connection {
 public:
  static Result<Connection> open(const std::string& path);
  Connection(Connection&& o) noexcept : fd_(o.fd_), buf_(std::move(o.buf_)) { o.fd_ = -1; }
  Connection(const Connection&) = delete;
  ~Connection();

  Status send(const nlohmann::json& request);
  // The next line as JSON; an error when the daemon closed the connection or sent garbage.
  Result<nlohmann::json> next();
  // send + the reply line.
  Result<nlohmann::json> call(const std::string& cmd,
                              nlohmann::json args = nlohmann::json::object());

 private:
  explicit Connection(int fd) : fd_(fd) {}
  int fd_ = -1;
  std::string buf_;
  int next_id_ = 1;
};

}  // namespace tb::client
