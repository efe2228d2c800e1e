#pragma once
// The rename log (rename.hpp): writing it durably and replaying it into where each file is.
// Private to delivery/src.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "tetherbox/common/result.hpp"

namespace tb::delivery::renamelog {

namespace fs = std::filesystem;

// Appends JSON lines to a log created by open(); sync() is fdatasync.
class Writer {
 public:
  // Creates `path` (O_EXCL: a log is never overwritten), or appends to it with `append`.
  static Result<Writer> open(const fs::path& path, bool append);
  Writer(Writer&& o) noexcept;
  Writer& operator=(Writer&& o) noexcept;
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;
  ~Writer();

  // One line per call, one write(2): a kill never leaves half a line (a power cut may: the
  // replay ignores a last line that does not parse).
  Status line(const std::string& json_line);
  Status sync();
  const fs::path& path() const { return path_; }

 private:
  Writer() = default;
  int fd_ = -1;
  fs::path path_;
};

// Lines of the log, all names percent-encoded (encode_name).
std::string header_line(const std::string& dir, const std::string& to, const std::string& tmpl,
                        size_t files);
std::string file_line(size_t id, const std::string& orig, const std::string& target);
std::string intent_line(size_t id, const std::string& from, const std::string& to, bool undo);
std::string done_line(size_t id);
std::string abandon_line(size_t id);     // the intent's rename had not happened
std::string end_line(const char* what);  // "renamed" | "undone"

struct FileState {
  std::string orig;      // raw bytes of the original path
  std::string location;  // raw bytes of where the log says it is now
  // The last intent had no done line: the file is at `location` or at `pending_to`.
  std::optional<std::string> pending_to;
};

// Every file of the log with its last known place. Errors name the log and the line.
Result<std::vector<FileState>> replay(const fs::path& log);

}  // namespace tb::delivery::renamelog
