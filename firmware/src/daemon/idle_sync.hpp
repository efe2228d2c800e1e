#pragma once
// tetherboxd's idle sync (issue 13 item 7): with `sync.when_idle: true`, while no session
// runs, every finished bag of the storage root is sent to each of `sync.remotes` it is not
// verified on yet (no "sync" line for that place and its current manifest in
// <bag>.delivery.jsonl), one `tetherbox sync BAG REMOTE` at a time.
//
// The sync runs as a child process (the tetherbox CLI, in its own process group), not a
// thread: a session that starts stops it at once (SIGTERM to the group, rclone included) and
// SIGTERM of the daemon never waits for an upload. A stopped or failed sync is resumable by
// design (only what is missing or differs is sent again); a failed one is retried after a
// back-off (30 s doubling to 15 min) and its reason is shown in `status`.
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "tetherbox/config/config.hpp"

namespace tb::daemon {

class IdleSync {
 public:
  // `cli`: the tetherbox binary ("" = found next to this executable, else on PATH).
  explicit IdleSync(std::string cli = "");
  ~IdleSync();  // stops the sync in flight
  IdleSync(const IdleSync&) = delete;
  IdleSync& operator=(const IdleSync&) = delete;

  // Loop thread, on every tick: reaps a finished sync, stops one when a session runs, and
  // starts the next one when idle.
  void poll(const config::Config& cfg, const std::filesystem::path& root, bool session_running);
  // Stops the sync in flight (daemon shutdown).
  void stop();

  // {"when_idle", "remotes", "state": "off|idle|syncing|waiting", "bag", "remote",
  //  "last_error", "synced"}
  nlohmann::json status_json() const;

 private:
  struct Attempt {
    int failures = 0;
    std::chrono::steady_clock::time_point next_try{};
  };
  void reap(bool block);
  std::optional<std::pair<std::filesystem::path, std::string>> next_job(
      const config::Config& cfg, const std::filesystem::path& root);

  std::string cli_;
  pid_t child_ = -1;
  std::filesystem::path tmp_;  // private folder for the child's output
  std::string bag_, remote_;
  bool enabled_ = false;
  std::vector<std::string> remotes_;
  std::string last_error_;
  size_t synced_ = 0;                        // syncs completed by this daemon
  std::map<std::string, Attempt> attempts_;  // "bag\nremote"
  // Bags are looked at every few seconds, not on every 200 ms tick (each look hashes manifests).
  std::chrono::steady_clock::time_point next_scan_{};
};

// Where a bag lives, from its delivery log: [{"type","place","utc"}...] of the places that
// still hold its current manifest (a local copy is checked on disk), this disk first.
nlohmann::json bag_places(const std::filesystem::path& bag);

}  // namespace tb::daemon
