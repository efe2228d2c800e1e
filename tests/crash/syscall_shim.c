/* An LD_PRELOAD shim for the crash and sync-order tests: it sees every file system call the
 * storage layer makes (open/openat, write/pwrite, fsync/fdatasync, rename/renameat/renameat2,
 * mkdir/mkdirat, unlink/unlinkat/remove), and for the ones on paths under $TB_SHIM_ROOT:
 *   - TB_SHIM_LOG=FILE: appends "<tid> <kind> <path>[ <path2>]" per call (fds resolved through
 *     /proc/self/fd), in the order the calls are made: the sync recorder;
 *   - TB_SHIM_KILL_KIND=write|fsync|rename|mkdir|unlink and TB_SHIM_KILL_AT=N: raise(SIGKILL)
 *     just before the Nth call of that kind (fsync counts fsync and fdatasync): a crash point.
 * kill -9 keeps the page cache, so the log is what shows the order a power cut depends on. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static char g_root[PATH_MAX];
static size_t g_root_len;
static int g_log_fd = -1;
static char g_kill_kind[16];
static long g_kill_at;
static atomic_long g_count;

__attribute__((constructor)) static void shim_init(void) {
  const char* root = getenv("TB_SHIM_ROOT");
  if (root && strlen(root) < sizeof g_root) {
    strcpy(g_root, root);
    g_root_len = strlen(g_root);
    while (g_root_len > 1 && g_root[g_root_len - 1] == '/') g_root[--g_root_len] = '\0';
  }
  const char* log = getenv("TB_SHIM_LOG");
  if (log)
    g_log_fd =
        (int)syscall(SYS_openat, AT_FDCWD, log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  const char* kind = getenv("TB_SHIM_KILL_KIND");
  const char* at = getenv("TB_SHIM_KILL_AT");
  if (kind && at && strlen(kind) < sizeof g_kill_kind) {
    strcpy(g_kill_kind, kind);
    g_kill_at = atol(at);
  }
}

/* Absolute form of `path` relative to `dirfd` (AT_FDCWD: the working directory), without
 * resolving links: what the program named. */
static void absolute(int dirfd, const char* path, char* out) {
  out[0] = '\0';
  if (!path) return;
  if (path[0] == '/') {
    snprintf(out, PATH_MAX, "%s", path);
    return;
  }
  char base[PATH_MAX];
  ssize_t n;
  if (dirfd == AT_FDCWD) {
    n = syscall(SYS_getcwd, base, sizeof base) > 0 ? (ssize_t)strlen(base) : -1;
  } else {
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", dirfd);
    n = syscall(SYS_readlinkat, AT_FDCWD, link, base, sizeof base - 1);
    if (n >= 0) base[n] = '\0';
  }
  if (n < 0) return;
  const char* p = path;
  while (p[0] == '.' && p[1] == '/') p += 2;
  /* A path longer than PATH_MAX is not one of ours: record nothing for it. */
  if (snprintf(out, PATH_MAX, "%s/%s", base, p) >= PATH_MAX) out[0] = '\0';
}

static void fd_path(int fd, char* out) {
  char link[64];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = syscall(SYS_readlinkat, AT_FDCWD, link, out, PATH_MAX - 1);
  out[n > 0 ? n : 0] = '\0';
}

static int inside(const char* abs) {
  return g_root_len > 0 && strncmp(abs, g_root, g_root_len) == 0 &&
         (abs[g_root_len] == '/' || abs[g_root_len] == '\0');
}

/* Records the call and, at the chosen crash point, dies before making it. */
static void event(const char* kind, const char* count_as, const char* a, const char* b) {
  if (!inside(a) && !(b && inside(b))) return;
  int saved = errno;
  if (g_log_fd >= 0) {
    char line[2 * PATH_MAX + 64];
    int n = snprintf(line, sizeof line, "%ld %s %s%s%s\n", (long)syscall(SYS_gettid), kind, a,
                     b ? " " : "", b ? b : "");
    if (n > 0)
      syscall(SYS_write, g_log_fd, line, (size_t)(n < (int)sizeof line ? n : (int)sizeof line - 1));
  }
  if (count_as && g_kill_at > 0 && strcmp(count_as, g_kill_kind) == 0 &&
      atomic_fetch_add(&g_count, 1) + 1 == g_kill_at)
    raise(SIGKILL);
  errno = saved;
}

#define REAL(ret, name, ...)              \
  static ret (*real_##name)(__VA_ARGS__); \
  if (!real_##name) real_##name = (ret(*)(__VA_ARGS__))dlsym(RTLD_NEXT, #name)

static mode_t mode_arg(int flags, va_list ap) {
  return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? (mode_t)va_arg(ap, int) : 0;
}

int open(const char* path, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  mode_t mode = mode_arg(flags, ap);
  va_end(ap);
  REAL(int, open, const char*, int, ...);
  char abs[PATH_MAX];
  absolute(AT_FDCWD, path, abs);
  event((flags & O_CREAT) ? "create" : "open", NULL, abs, NULL);
  return real_open(path, flags, mode);
}

int open64(const char* path, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  mode_t mode = mode_arg(flags, ap);
  va_end(ap);
  REAL(int, open64, const char*, int, ...);
  char abs[PATH_MAX];
  absolute(AT_FDCWD, path, abs);
  event((flags & O_CREAT) ? "create" : "open", NULL, abs, NULL);
  return real_open64(path, flags, mode);
}

int openat(int dirfd, const char* path, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  mode_t mode = mode_arg(flags, ap);
  va_end(ap);
  REAL(int, openat, int, const char*, int, ...);
  char abs[PATH_MAX];
  absolute(dirfd, path, abs);
  event((flags & O_CREAT) ? "create" : "open", NULL, abs, NULL);
  return real_openat(dirfd, path, flags, mode);
}

int openat64(int dirfd, const char* path, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  mode_t mode = mode_arg(flags, ap);
  va_end(ap);
  REAL(int, openat64, int, const char*, int, ...);
  char abs[PATH_MAX];
  absolute(dirfd, path, abs);
  event((flags & O_CREAT) ? "create" : "open", NULL, abs, NULL);
  return real_openat64(dirfd, path, flags, mode);
}

ssize_t write(int fd, const void* buf, size_t n) {
  REAL(ssize_t, write, int, const void*, size_t);
  if (g_root_len > 0 && fd > 2) {
    char p[PATH_MAX];
    fd_path(fd, p);
    event("write", "write", p, NULL);
  }
  return real_write(fd, buf, n);
}

ssize_t pwrite(int fd, const void* buf, size_t n, off_t off) {
  REAL(ssize_t, pwrite, int, const void*, size_t, off_t);
  if (g_root_len > 0 && fd > 2) {
    char p[PATH_MAX];
    fd_path(fd, p);
    event("write", "write", p, NULL);
  }
  return real_pwrite(fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void* buf, size_t n, off_t off) {
  REAL(ssize_t, pwrite64, int, const void*, size_t, off_t);
  if (g_root_len > 0 && fd > 2) {
    char p[PATH_MAX];
    fd_path(fd, p);
    event("write", "write", p, NULL);
  }
  return real_pwrite64(fd, buf, n, off);
}

int fsync(int fd) {
  REAL(int, fsync, int);
  char p[PATH_MAX];
  fd_path(fd, p);
  event("fsync", "fsync", p, NULL);
  return real_fsync(fd);
}

int fdatasync(int fd) {
  REAL(int, fdatasync, int);
  char p[PATH_MAX];
  fd_path(fd, p);
  event("fdatasync", "fsync", p, NULL);
  return real_fdatasync(fd);
}

int rename(const char* from, const char* to) {
  REAL(int, rename, const char*, const char*);
  char a[PATH_MAX], b[PATH_MAX];
  absolute(AT_FDCWD, from, a);
  absolute(AT_FDCWD, to, b);
  event("rename", "rename", a, b);
  return real_rename(from, to);
}

int renameat(int fd1, const char* from, int fd2, const char* to) {
  REAL(int, renameat, int, const char*, int, const char*);
  char a[PATH_MAX], b[PATH_MAX];
  absolute(fd1, from, a);
  absolute(fd2, to, b);
  event("rename", "rename", a, b);
  return real_renameat(fd1, from, fd2, to);
}

int renameat2(int fd1, const char* from, int fd2, const char* to, unsigned int flags) {
  REAL(int, renameat2, int, const char*, int, const char*, unsigned int);
  char a[PATH_MAX], b[PATH_MAX];
  absolute(fd1, from, a);
  absolute(fd2, to, b);
  event("rename", "rename", a, b);
  return real_renameat2(fd1, from, fd2, to, flags);
}

int link(const char* from, const char* to) {
  REAL(int, link, const char*, const char*);
  char a[PATH_MAX], b[PATH_MAX];
  absolute(AT_FDCWD, from, a);
  absolute(AT_FDCWD, to, b);
  event("link", "rename", a, b);
  return real_link(from, to);
}

int mkdir(const char* path, mode_t mode) {
  REAL(int, mkdir, const char*, mode_t);
  char abs[PATH_MAX];
  absolute(AT_FDCWD, path, abs);
  event("mkdir", "mkdir", abs, NULL);
  return real_mkdir(path, mode);
}

int mkdirat(int dirfd, const char* path, mode_t mode) {
  REAL(int, mkdirat, int, const char*, mode_t);
  char abs[PATH_MAX];
  absolute(dirfd, path, abs);
  event("mkdir", "mkdir", abs, NULL);
  return real_mkdirat(dirfd, path, mode);
}

int unlink(const char* path) {
  REAL(int, unlink, const char*);
  char abs[PATH_MAX];
  absolute(AT_FDCWD, path, abs);
  event("unlink", "unlink", abs, NULL);
  return real_unlink(path);
}

int unlinkat(int dirfd, const char* path, int flags) {
  REAL(int, unlinkat, int, const char*, int);
  char abs[PATH_MAX];
  absolute(dirfd, path, abs);
  event("unlink", "unlink", abs, NULL);
  return real_unlinkat(dirfd, path, flags);
}

int remove(const char* path) {
  REAL(int, remove, const char*);
  char abs[PATH_MAX];
  absolute(AT_FDCWD, path, abs);
  event("unlink", "unlink", abs, NULL);
  return real_remove(path);
}
