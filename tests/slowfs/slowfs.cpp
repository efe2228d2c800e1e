// slowfs: a FUSE passthrough filesystem whose write() sleeps, for tests of a disk slower than
// the camera (issue 9, "Bad input"). Every operation goes to a backing directory; only writes
// are slowed, so reads, renames and fsyncs behave as the backing disk does.
//   slowfs BACKING_DIR MOUNTPOINT [--write-delay-ms N] [FUSE options, e.g. -f]
#define FUSE_USE_VERSION 31
#include <fuse3/fuse.h>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

std::string g_backing;
int g_delay_ms = 0;
std::atomic<unsigned long long> g_writes{0};

std::string real(const char* path) {
  return g_backing + path;
}

int err(int r) {
  return r < 0 ? -errno : r;
}

int op_getattr(const char* path, struct stat* st, fuse_file_info* fi) {
  if (fi) return err(::fstat(static_cast<int>(fi->fh), st));
  return err(::lstat(real(path).c_str(), st));
}

int op_readdir(const char* path, void* buf, fuse_fill_dir_t filler, off_t, fuse_file_info*,
               fuse_readdir_flags) {
  DIR* d = ::opendir(real(path).c_str());
  if (!d) return -errno;
  while (dirent* e = ::readdir(d)) {
    struct stat st {};
    st.st_ino = e->d_ino;
    st.st_mode = static_cast<mode_t>(DTTOIF(e->d_type));
    if (filler(buf, e->d_name, &st, 0, static_cast<fuse_fill_dir_flags>(0))) break;
  }
  ::closedir(d);
  return 0;
}

int op_mkdir(const char* path, mode_t mode) {
  return err(::mkdir(real(path).c_str(), mode));
}
int op_unlink(const char* path) {
  return err(::unlink(real(path).c_str()));
}
int op_rmdir(const char* path) {
  return err(::rmdir(real(path).c_str()));
}
int op_symlink(const char* from, const char* to) {
  return err(::symlink(from, real(to).c_str()));
}
int op_readlink(const char* path, char* buf, size_t size) {
  const ssize_t n = ::readlink(real(path).c_str(), buf, size - 1);
  if (n < 0) return -errno;
  buf[n] = '\0';
  return 0;
}
int op_rename(const char* from, const char* to, unsigned int flags) {
  // RENAME_NOREPLACE is how the bag refuses to replace a file: passed through as it is.
  return err(static_cast<int>(
      ::renameat2(AT_FDCWD, real(from).c_str(), AT_FDCWD, real(to).c_str(), flags)));
}
int op_link(const char* from, const char* to) {
  return err(::link(real(from).c_str(), real(to).c_str()));
}
int op_chmod(const char* path, mode_t mode, fuse_file_info*) {
  return err(::chmod(real(path).c_str(), mode));
}
int op_chown(const char* path, uid_t uid, gid_t gid, fuse_file_info*) {
  return err(::lchown(real(path).c_str(), uid, gid));
}
int op_truncate(const char* path, off_t size, fuse_file_info* fi) {
  if (fi) return err(::ftruncate(static_cast<int>(fi->fh), size));
  return err(::truncate(real(path).c_str(), size));
}
int op_utimens(const char* path, const timespec tv[2], fuse_file_info* fi) {
  if (fi) return err(::futimens(static_cast<int>(fi->fh), tv));
  return err(::utimensat(AT_FDCWD, real(path).c_str(), tv, AT_SYMLINK_NOFOLLOW));
}
int op_open(const char* path, fuse_file_info* fi) {
  const int fd = ::open(real(path).c_str(), fi->flags);
  if (fd < 0) return -errno;
  fi->fh = static_cast<uint64_t>(fd);
  return 0;
}
int op_create(const char* path, mode_t mode, fuse_file_info* fi) {
  const int fd = ::open(real(path).c_str(), fi->flags, mode);
  if (fd < 0) return -errno;
  fi->fh = static_cast<uint64_t>(fd);
  return 0;
}
int op_read(const char*, char* buf, size_t size, off_t off, fuse_file_info* fi) {
  const ssize_t n = ::pread(static_cast<int>(fi->fh), buf, size, off);
  return n < 0 ? -errno : static_cast<int>(n);
}
int op_write(const char*, const char* buf, size_t size, off_t off, fuse_file_info* fi) {
  // The slow disk: every write call waits before it lands.
  if (g_delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(g_delay_ms));
  ++g_writes;
  const ssize_t n = ::pwrite(static_cast<int>(fi->fh), buf, size, off);
  return n < 0 ? -errno : static_cast<int>(n);
}
int op_statfs(const char* path, struct statvfs* st) {
  return err(::statvfs(real(path).c_str(), st));
}
int op_release(const char*, fuse_file_info* fi) {
  ::close(static_cast<int>(fi->fh));
  return 0;
}
int op_fsync(const char*, int datasync, fuse_file_info* fi) {
  const int fd = static_cast<int>(fi->fh);
  return err(datasync ? ::fdatasync(fd) : ::fsync(fd));
}
int op_opendir(const char* path, fuse_file_info*) {
  struct stat st {};
  if (::stat(real(path).c_str(), &st) != 0) return -errno;
  return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}
int op_fsyncdir(const char* path, int, fuse_file_info*) {
  const int fd = ::open(real(path).c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return -errno;
  const int r = ::fsync(fd);
  const int e = errno;
  ::close(fd);
  return r < 0 ? -e : 0;
}
void* op_init(fuse_conn_info*, fuse_config* cfg) {
  cfg->use_ino = 1;
  // No attribute caching: sizes and names are always the backing disk's.
  cfg->attr_timeout = 0;
  cfg->entry_timeout = 0;
  cfg->negative_timeout = 0;
  return nullptr;
}
void op_destroy(void*) {
  std::fprintf(stderr, "slowfs: %llu writes, each delayed %d ms\n", g_writes.load(), g_delay_ms);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s BACKING_DIR MOUNTPOINT [--write-delay-ms N] [FUSE options]\n",
                 argv[0]);
    return 2;
  }
  char resolved[PATH_MAX];
  if (!::realpath(argv[1], resolved)) {
    std::fprintf(stderr, "slowfs: backing directory %s: %s\n", argv[1], std::strerror(errno));
    return 2;
  }
  g_backing = resolved;
  std::vector<char*> args = {argv[0], argv[2]};
  for (int i = 3; i < argc; ++i) {
    if (std::strcmp(argv[i], "--write-delay-ms") == 0 && i + 1 < argc) {
      g_delay_ms = std::atoi(argv[++i]);
      if (g_delay_ms < 0 || g_delay_ms > 60000) {
        std::fprintf(stderr, "slowfs: --write-delay-ms %s is not in 0..60000\n", argv[i]);
        return 2;
      }
      continue;
    }
    args.push_back(argv[i]);
  }
  fuse_operations ops{};
  ops.getattr = op_getattr;
  ops.readdir = op_readdir;
  ops.mkdir = op_mkdir;
  ops.unlink = op_unlink;
  ops.rmdir = op_rmdir;
  ops.symlink = op_symlink;
  ops.readlink = op_readlink;
  ops.rename = op_rename;
  ops.link = op_link;
  ops.chmod = op_chmod;
  ops.chown = op_chown;
  ops.truncate = op_truncate;
  ops.utimens = op_utimens;
  ops.open = op_open;
  ops.create = op_create;
  ops.read = op_read;
  ops.write = op_write;
  ops.statfs = op_statfs;
  ops.release = op_release;
  ops.fsync = op_fsync;
  ops.opendir = op_opendir;
  ops.fsyncdir = op_fsyncdir;
  ops.init = op_init;
  ops.destroy = op_destroy;
  return fuse_main(static_cast<int>(args.size()), args.data(), &ops, nullptr);
}
