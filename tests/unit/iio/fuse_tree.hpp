#pragma once
// A FUSE filesystem (libfuse3, served in this process by its own threads) that mirrors a backing
// directory read-only and makes chosen files fail their read() with an errno, or block until
// released, so the backend's real read path meets real kernel errno values.
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>

struct fuse;

namespace tb::test {

class FuseTree {
 public:
  FuseTree(std::string backing, std::string mountpoint);
  ~FuseTree();
  FuseTree(const FuseTree&) = delete;
  FuseTree& operator=(const FuseTree&) = delete;

  // Empty when mounted, else why not (the caller skips the test with it).
  std::string mount();

  // path relative to the tree root, e.g. "bus/iio/devices/iio:device0/in_temp_input".
  void fail_reads(const std::string& path, int err);
  void hang_reads(const std::string& path);
  void clear(const std::string& path);  // also releases hanging reads
  int hanging_now() const;

  // Used by the FUSE callbacks.
  std::string backing_path(const char* fuse_path) const { return backing_ + fuse_path; }
  int before_read(const char* fuse_path);  // 0 or -errno, after any injected hang

 private:
  std::string backing_, mountpoint_;
  struct fuse* fuse_ = nullptr;
  std::thread loop_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, int> faults_;  // "/path" -> errno, or kHang
  int hanging_ = 0;
};

}  // namespace tb::test
