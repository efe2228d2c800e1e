#define FUSE_USE_VERSION 31
#include "fuse_tree.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <fuse.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tb::test {
namespace {

constexpr int kHang = -1;

FuseTree* self() {
  return static_cast<FuseTree*>(fuse_get_context()->private_data);
}

void* on_init(fuse_conn_info*, fuse_config* cfg) {
  // No caching anywhere: every read() must reach us, as every sysfs read reaches the driver.
  cfg->direct_io = 1;
  cfg->kernel_cache = 0;
  cfg->attr_timeout = 0;
  cfg->entry_timeout = 0;
  cfg->negative_timeout = 0;
  return fuse_get_context()->private_data;
}

int on_getattr(const char* path, struct stat* st, fuse_file_info*) {
  if (::lstat(self()->backing_path(path).c_str(), st) != 0) return -errno;
  return 0;
}

int on_readdir(const char* path, void* buf, fuse_fill_dir_t fill, off_t, fuse_file_info*,
               fuse_readdir_flags) {
  DIR* d = ::opendir(self()->backing_path(path).c_str());
  if (d == nullptr) return -errno;
  while (dirent* e = ::readdir(d))
    fill(buf, e->d_name, nullptr, 0, static_cast<fuse_fill_dir_flags>(0));
  ::closedir(d);
  return 0;
}

int on_open(const char* path, fuse_file_info* fi) {
  if ((fi->flags & O_ACCMODE) != O_RDONLY) return -EACCES;
  if (::access(self()->backing_path(path).c_str(), R_OK) != 0) return -errno;
  fi->direct_io = 1;
  return 0;
}

int on_read(const char* path, char* buf, size_t size, off_t off, fuse_file_info*) {
  if (const int err = self()->before_read(path); err != 0) return err;
  const int fd = ::open(self()->backing_path(path).c_str(), O_RDONLY);
  if (fd < 0) return -errno;
  const ssize_t n = ::pread(fd, buf, size, off);
  const int err = errno;
  ::close(fd);
  return n < 0 ? -err : static_cast<int>(n);
}

fuse_operations make_ops() {
  fuse_operations ops{};
  ops.init = on_init;
  ops.getattr = on_getattr;
  ops.readdir = on_readdir;
  ops.open = on_open;
  ops.read = on_read;
  return ops;
}

}  // namespace

FuseTree::FuseTree(std::string backing, std::string mountpoint)
    : backing_(std::move(backing)), mountpoint_(std::move(mountpoint)) {}

std::string FuseTree::mount() {
  if (::geteuid() != 0) return "FUSE test needs root (mounting without fusermount3's setuid)";
  if (::access("/dev/fuse", R_OK | W_OK) != 0) {
    return std::string("/dev/fuse is not usable: ") + std::strerror(errno);
  }
  static const fuse_operations ops = make_ops();
  char arg0[] = "tb-fuse-tree";
  char* argv[] = {arg0, nullptr};
  fuse_args args = FUSE_ARGS_INIT(1, argv);
  fuse_ = fuse_new(&args, &ops, sizeof ops, this);
  fuse_opt_free_args(&args);  // fuse_new may have grown the argument list
  if (fuse_ == nullptr) return "fuse_new failed";
  if (fuse_mount(fuse_, mountpoint_.c_str()) != 0) {
    fuse_destroy(fuse_);
    fuse_ = nullptr;
    return "fuse_mount on " + mountpoint_ + " failed (no mount permission in this container?)";
  }
  loop_ = std::thread([this] {
    // Multi-threaded: a read held in before_read() must not stall the other files.
    fuse_loop_mt(fuse_, /*clone_fd=*/0);
  });
  return {};
}

FuseTree::~FuseTree() {
  if (fuse_ == nullptr) return;
  {
    std::lock_guard lock(mu_);
    faults_.clear();
  }
  cv_.notify_all();
  fuse_exit(fuse_);
  fuse_unmount(fuse_);
  if (loop_.joinable()) loop_.join();
  fuse_destroy(fuse_);
}

void FuseTree::fail_reads(const std::string& path, int err) {
  std::lock_guard lock(mu_);
  faults_["/" + path] = err;
}

void FuseTree::hang_reads(const std::string& path) {
  std::lock_guard lock(mu_);
  faults_["/" + path] = kHang;
}

void FuseTree::clear(const std::string& path) {
  {
    std::lock_guard lock(mu_);
    faults_.erase("/" + path);
  }
  cv_.notify_all();
}

int FuseTree::hanging_now() const {
  std::lock_guard lock(mu_);
  return hanging_;
}

int FuseTree::before_read(const char* fuse_path) {
  std::unique_lock lock(mu_);
  auto it = faults_.find(fuse_path);
  if (it == faults_.end()) return 0;
  if (it->second != kHang) return -it->second;
  ++hanging_;
  cv_.wait(lock, [&] {
    auto f = faults_.find(fuse_path);
    return f == faults_.end() || f->second != kHang;
  });
  --hanging_;
  return 0;
}

}  // namespace tb::test
