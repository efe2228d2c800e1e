#pragma once
// Errors are values at module edges: every fallible call across rooms returns Result<T>,
// carrying a message a person can act on. Exceptions stay inside a module.
#include <fmt/format.h>

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace tb {

enum class Errc {
  invalid,       // bad input (config, request, value the device refuses)
  not_found,     // device, file, widget absent
  busy,          // device busy, retry later
  io,            // I/O error talking to a device or the filesystem
  disconnected,  // device vanished
  no_space,      // disk or card full
  refused,       // device refused the operation (capture refused, read-only)
  timeout,
  mismatch,      // verification failed (exposure, hash)
  unsupported,   // the device or backend cannot do this
  cancelled,
  internal,
};

const char* errc_name(Errc e);

struct Error {
  Errc code = Errc::internal;
  std::string message;
};

template <typename... Args>
Error make_error(Errc code, fmt::format_string<Args...> f, Args&&... args) {
  return Error{code, fmt::format(f, std::forward<Args>(args)...)};
}

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Error err) : v_(std::move(err)) {}  // NOLINT
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { assert(!ok()); return std::get<1>(v_); }
  T value_or(T fallback) const { return ok() ? std::get<0>(v_) : std::move(fallback); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error err) : err_(std::move(err)), ok_(false) {}  // NOLINT
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { assert(!ok_); return err_; }

 private:
  Error err_;
  bool ok_ = true;
};

using Status = Result<void>;

inline Status ok_status() { return {}; }

}  // namespace tb

// Propagate an error from an expression returning Result<...>.
#define TB_TRY(expr)                                \
  do {                                              \
    auto tb_try_r_ = (expr);                        \
    if (!tb_try_r_.ok()) return tb_try_r_.error();  \
  } while (0)
