#include "rename_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tetherbox/capture/text_utf8.hpp"
#include "tetherbox/common/time_utc.hpp"
#include "tetherbox/delivery/rename.hpp"

namespace tb::delivery {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

std::string encode_name(const std::string& bytes) {
  static const char* const kHex = "0123456789ABCDEF";
  std::string out;
  out.reserve(bytes.size());
  for (size_t i = 0; i < bytes.size();) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (c >= 0x20 && c < 0x7F && c != '%') {
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    if (const size_t n = c >= 0x80 ? capture::text::utf8_sequence_length(bytes, i) : 0; n > 0) {
      out.append(bytes, i, n);
      i += n;
      continue;
    }
    out += '%';
    out += kHex[c >> 4];
    out += kHex[c & 0xF];
    ++i;
  }
  return out;
}

Result<std::string> decode_name(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    const int h = i + 2 < text.size() ? hex_value(text[i + 1]) : -1;
    const int l = h >= 0 ? hex_value(text[i + 2]) : -1;
    if (l < 0)
      return make_error(Errc::invalid, "\"{}\": '%' at {} is not followed by two hex digits", text,
                        i + 1);
    out += static_cast<char>(h * 16 + l);
    i += 2;
  }
  return out;
}

namespace renamelog {

using nlohmann::json;

namespace {

std::string dump(const json& j) {
  // Names are already encoded to UTF-8; replace still guards any other text.
  return j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace

Result<Writer> Writer::open(const fs::path& path, bool append) {
  const int flags = O_WRONLY | O_APPEND | O_CLOEXEC | (append ? 0 : O_CREAT | O_EXCL);
  const int fd = ::open(path.c_str(), flags, 0644);
  if (fd < 0)
    return make_error(append ? Errc::not_found : Errc::io, "rename log {}: {}",
                      encode_name(path.string()), std::strerror(errno));
  Writer w;
  w.fd_ = fd;
  w.path_ = path;
  if (!append) {
    // The log's own directory entry must survive before any file is renamed.
    if (int dfd = ::open(path.parent_path().empty() ? "." : path.parent_path().c_str(),
                         O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        dfd >= 0) {
      const int rc = ::fsync(dfd);
      ::close(dfd);
      if (rc != 0)
        return make_error(Errc::io, "rename log {}: fsync of its folder: {}",
                          encode_name(path.string()), std::strerror(errno));
    }
  }
  return w;
}

Writer::Writer(Writer&& o) noexcept : fd_(o.fd_), path_(std::move(o.path_)) {
  o.fd_ = -1;
}
Writer& Writer::operator=(Writer&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.fd_;
    path_ = std::move(o.path_);
    o.fd_ = -1;
  }
  return *this;
}
Writer::~Writer() {
  if (fd_ >= 0) ::close(fd_);
}

Status Writer::line(const std::string& json_line) {
  const ssize_t n = ::write(fd_, json_line.data(), json_line.size());
  if (n != static_cast<ssize_t>(json_line.size()))
    return make_error(Errc::io, "rename log {}: write: {}", encode_name(path_.string()),
                      n < 0 ? std::strerror(errno) : "short write");
  return ok_status();
}

Status Writer::sync() {
  if (::fdatasync(fd_) != 0)
    return make_error(Errc::io, "rename log {}: fdatasync: {}", encode_name(path_.string()),
                      std::strerror(errno));
  return ok_status();
}

std::string header_line(const std::string& dir, const std::string& to, const std::string& tmpl,
                        size_t files) {
  return dump(json{{"type", "rename"},
                   {"version", 1},
                   {"dir", encode_name(dir)},
                   {"to", encode_name(to)},
                   {"template", tmpl},
                   {"utc", format_utc_iso(std::chrono::system_clock::now())},
                   {"files", files}});
}

std::string file_line(size_t id, const std::string& orig, const std::string& target) {
  return dump(json{
      {"type", "file"}, {"id", id}, {"orig", encode_name(orig)}, {"new", encode_name(target)}});
}

std::string intent_line(size_t id, const std::string& from, const std::string& to, bool undo) {
  json j{{"type", "intent"}, {"id", id}, {"from", encode_name(from)}, {"to", encode_name(to)}};
  if (undo) j["undo"] = true;
  return dump(j);
}

std::string done_line(size_t id) {
  return dump(json{{"type", "done"}, {"id", id}});
}

std::string abandon_line(size_t id) {
  return dump(json{{"type", "abandon"}, {"id", id}});
}

std::string end_line(const char* what) {
  return dump(json{{"type", what}, {"utc", format_utc_iso(std::chrono::system_clock::now())}});
}

Result<std::vector<FileState>> replay(const fs::path& log) {
  std::ifstream in(log, std::ios::binary);
  if (!in) return make_error(Errc::not_found, "rename log {}: cannot be read", log.string());
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  std::vector<FileState> files;
  const auto where = [&](size_t n) { return fmt::format("{}:{}", log.string(), n + 1); };
  for (size_t n = 0; n < lines.size(); ++n) {
    if (lines[n].empty()) continue;
    json j = json::parse(lines[n], nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("type")) {
      // A power cut can tear only the last line; its rename had not started (the intent is
      // made durable first), so it is as if it was never written.
      if (n + 1 == lines.size()) break;
      return make_error(Errc::invalid, "{}: not a rename log line", where(n));
    }
    try {
      const std::string type = j.at("type").get<std::string>();
      if (n == 0 && type != "rename")
        return make_error(Errc::invalid, "{}: not a tetherbox rename log (first line is no header)",
                          where(n));
      auto decoded = [&](const char* key) -> Result<std::string> {
        auto r = decode_name(j.at(key).get<std::string>());
        if (!r) return make_error(Errc::invalid, "{}: {}: {}", where(n), key, r.error().message);
        return r;
      };
      auto file_at = [&]() -> Result<FileState*> {
        const size_t id = j.at("id").get<size_t>();
        if (id >= files.size())
          return make_error(Errc::invalid, "{}: file id {} was never declared", where(n), id);
        return &files[id];
      };
      if (type == "file") {
        if (j.at("id").get<size_t>() != files.size())
          return make_error(Errc::invalid, "{}: file ids out of order", where(n));
        auto orig = decoded("orig");
        if (!orig) return orig.error();
        files.push_back(FileState{*orig, *orig, std::nullopt});
      } else if (type == "intent") {
        auto f = file_at();
        if (!f) return f.error();
        auto from = decoded("from");
        if (!from) return from.error();
        auto to = decoded("to");
        if (!to) return to.error();
        if ((*f)->pending_to)
          return make_error(Errc::invalid, "{}: a second intent for file {} before its done line",
                            where(n), j.at("id").get<size_t>());
        if (*from != (*f)->location)
          return make_error(Errc::invalid, "{}: intent moves file {} from where it is not",
                            where(n), j.at("id").get<size_t>());
        (*f)->pending_to = *to;
      } else if (type == "done") {
        auto f = file_at();
        if (!f) return f.error();
        if (!(*f)->pending_to)
          return make_error(Errc::invalid, "{}: done line without an intent", where(n));
        (*f)->location = *(*f)->pending_to;
        (*f)->pending_to.reset();
      } else if (type == "abandon") {
        // An undo found this intent's rename never happened.
        auto f = file_at();
        if (!f) return f.error();
        (*f)->pending_to.reset();
      }
      // "rename", "renamed", "undone": markers, no state.
    } catch (const json::exception& e) {
      return make_error(Errc::invalid, "{}: malformed rename log line: {}", where(n), e.what());
    }
  }
  // An empty log: the run stopped before its header was written, so before any rename.
  return files;
}

}  // namespace renamelog

}  // namespace tb::delivery
