// The journal read for a resume with simdjson's On-Demand API: only the keys resume needs are
// decoded, the rest of each line is skipped. A line's "type" comes late (nlohmann writes keys
// in order), so every line's candidate keys are read by their JSON type and the line is judged
// at its end: a key of another type belongs to another kind of line and is left alone.
#include "journal_resume_read.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>
#include <vector>

#include <simdjson.h>

namespace tb::capture::detail {

namespace {

namespace od = simdjson::ondemand;

// Missing or wrongly typed keys a frame or preview line cannot do without.
struct BadLine {
  std::string what;
};

std::string string_of(od::value v) {
  std::string_view s = v.get_string();
  return std::string(s);
}

bool is(od::value& v, od::json_type t) {
  return v.type() == t;
}

std::optional<double> optional_double(od::value v) {
  if (v.is_null()) return std::nullopt;
  return double(v.get_double());
}

std::vector<std::string> strings_of(od::value v) {
  std::vector<std::string> out;
  for (auto item : v.get_array()) out.push_back(string_of(item.value()));
  return out;
}

FileRecord file_of(od::value v) {
  FileRecord f;
  bool role = false, path = false, size = false, sha = false;
  for (auto field : v.get_object()) {
    const std::string_view key = field.unescaped_key();
    od::value x = field.value();
    if (key == "role") {
      f.role = string_of(x);
      role = true;
    } else if (key == "path") {
      f.path = string_of(x);
      path = true;
    } else if (key == "camera_name") {
      f.camera_name = string_of(x);
    } else if (key == "size") {
      f.size = x.get_uint64();
      size = true;
    } else if (key == "sha256") {
      f.sha256 = string_of(x);
      sha = true;
    }
  }
  if (!role || !path || !size || !sha)
    throw BadLine{"a file record without role, path, size or sha256"};
  return f;
}

Histogram histogram_of(od::value v) {
  Histogram h;
  for (auto field : v.get_object()) {
    const std::string_view key = field.unescaped_key();
    od::value x = field.value();
    if (key == "clipped_high") h.clipped_high = x.get_double();
    else if (key == "clipped_low") h.clipped_low = x.get_double();
    else if (key == "mean") h.mean = x.get_double();
    else if (key == "measured") h.measured = x.get_bool();
  }
  return h;
}

OpticsRecord optics_of(od::value v) {
  OpticsRecord o;
  for (auto field : v.get_object()) {
    const std::string_view key = field.unescaped_key();
    od::value x = field.value();
    if (key == "measured") o.measured = x.get_bool();
    else if (key == "reason") o.reason = string_of(x);
    else if (key == "focal_length_mm") o.focal_length_mm = optional_double(x);
    else if (key == "reference_mm") o.reference_mm = optional_double(x);
    else if (key == "source") o.source = string_of(x);
    else if (key == "changed") o.changed = x.get_bool();
  }
  return o;
}

RawLevels raw_levels_of(od::value v) {
  RawLevels l;
  for (auto field : v.get_object()) {
    const std::string_view key = field.unescaped_key();
    od::value x = field.value();
    if (key == "measured") l.measured = x.get_bool();
    else if (key == "reason") l.reason = string_of(x);
    else if (key == "warnings") l.warnings = strings_of(x);
  }
  return l;
}

SharpnessRecord sharpness_of(od::value v) {
  SharpnessRecord s;
  for (auto field : v.get_object()) {
    const std::string_view key = field.unescaped_key();
    od::value x = field.value();
    if (key == "measured") s.measured = x.get_bool();
    else if (key == "reason") s.reason = string_of(x);
    else if (key == "value") s.value = x.get_double();
    else if (key == "median") s.median = optional_double(x);
    else if (key == "ratio") s.ratio = optional_double(x);
    else if (key == "blurred") s.blurred = x.get_bool();
  }
  return s;
}

std::string light_of(od::value v) {
  std::string light;
  for (auto field : v.get_object())
    if (std::string_view(field.unescaped_key()) == "light") light = string_of(field.value());
  return light;
}

// One line; throws simdjson_error or BadLine.
ResumeLine read_line(od::parser& parser, const char* at, size_t len, size_t capacity) {
  od::document doc = parser.iterate(at, len, capacity);
  ResumeLine out;
  FrameRecord& fr = out.frame;
  std::string type;
  bool has_seq = false, seq_present = false, has_name = false, has_files = false, retake = false;
  std::optional<FileRecord> file;
  std::optional<std::string> fault;
  for (auto field : doc.get_object()) {
    const std::string_view key = field.unescaped_key();
    od::value v = field.value();
    if (key == "type" && is(v, od::json_type::string)) {
      type = string_of(v);
    } else if (key == "seq") {
      seq_present = true;
      uint64_t s = 0;
      if (v.get_uint64().get(s) == simdjson::SUCCESS) {
        out.seq = fr.seq = s;
        has_seq = true;
      }
    } else if (key == "request_id") {
      uint64_t r = 0;
      if (v.get_uint64().get(r) == simdjson::SUCCESS) out.request_id = fr.request_id = r;
    } else if (key == "name" && is(v, od::json_type::string)) {
      out.name = string_of(v);
      has_name = true;
    } else if (key == "position" && is(v, od::json_type::object)) {
      fr.position.light = light_of(v);
    } else if (key == "files" && is(v, od::json_type::array)) {
      for (auto item : v.get_array()) fr.files.push_back(file_of(item.value()));
      has_files = true;
    } else if (key == "faults" && is(v, od::json_type::array)) {
      fr.faults = strings_of(v);
    } else if (key == "histogram" && is(v, od::json_type::object)) {
      fr.histogram = histogram_of(v);
      out.preview_histogram = fr.histogram;
    } else if (key == "optics" && is(v, od::json_type::object)) {
      fr.optics = optics_of(v);
    } else if (key == "raw_levels" && is(v, od::json_type::object)) {
      fr.raw_levels = raw_levels_of(v);
    } else if (key == "sharpness" && is(v, od::json_type::object)) {
      fr.sharpness = sharpness_of(v);
    } else if (key == "superseded_by" && is(v, od::json_type::string)) {
      fr.superseded_by = string_of(v);
    } else if (key == "retake_of" && is(v, od::json_type::string)) {
      fr.retake_of = string_of(v);
    } else if (key == "retake_number" && is(v, od::json_type::number)) {
      fr.retake_number = static_cast<int>(int64_t(v.get_int64()));
    } else if (key == "retake" && is(v, od::json_type::boolean)) {
      retake = v.get_bool();
    } else if (key == "message" && is(v, od::json_type::string)) {
      out.message = string_of(v);
    } else if (key == "plan_fingerprint" && is(v, od::json_type::string)) {
      out.plan_fingerprint = string_of(v);
    } else if (key == "file" && is(v, od::json_type::object)) {
      file = file_of(v);
    } else if (key == "fault" && is(v, od::json_type::string)) {
      fault = string_of(v);
    }
  }
  // Past the object's end the document has no location left; one that does holds more text.
  if (!doc.current_location().error()) throw BadLine{"text after the JSON object"};

  if (type == "session_start") {
    out.kind = ResumeLine::Kind::session_start;
  } else if (type == "frame") {
    if (!has_seq || !out.request_id || !has_name || !has_files)
      throw BadLine{"a frame line without seq, request_id, name or files"};
    out.kind = ResumeLine::Kind::frame;
    fr.name = out.name;
  } else if (type == "preview") {
    if (!has_seq) throw BadLine{"a preview line without seq"};
    out.kind = ResumeLine::Kind::preview;
    out.preview_file = std::move(file);
    out.preview_fault = std::move(fault);
  } else if (type == "fault" && retake && has_seq) {
    out.kind = ResumeLine::Kind::retake_fault;
  } else if (type == "fault" && !seq_present) {
    out.kind = ResumeLine::Kind::session_fault;
  }
  if (out.kind != ResumeLine::Kind::frame) out.frame = FrameRecord{};
  return out;
}

}  // namespace

Result<ResumeRead> read_journal_for_resume(const std::filesystem::path& path,
                                           const std::function<Status(ResumeLine&&)>& visit) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return make_error(Errc::not_found, "journal {} not found", path.string());
    return make_error(Errc::io, "cannot read journal {}: {}", path.string(), std::strerror(errno));
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    return make_error(Errc::io, "cannot read journal {}: {}", path.string(), std::strerror(errno));
  // The bag is locked: the journal does not grow while it is read.
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  // Read 4 MiB at a time (plus the padding simdjson reads past a document's end): a journal
  // of any length costs the memory of one chunk and its longest line, not its size.
  constexpr size_t kChunk = 4u << 20;
  std::vector<char> buf(kChunk + simdjson::SIMDJSON_PADDING);
  size_t have = 0;        // bytes of the file in buf[0, have)
  uint64_t buf_at = 0;    // the file offset of buf[0]
  ResumeRead rr;
  od::parser parser;
  size_t lineno = 0;
  for (;;) {
    if (have == buf.size() - simdjson::SIMDJSON_PADDING)  // one line fills the buffer
      buf.resize(2 * have + simdjson::SIMDJSON_PADDING);
    const ssize_t got = ::read(fd, buf.data() + have, buf.size() - simdjson::SIMDJSON_PADDING - have);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0)
      return make_error(Errc::io, "read error on journal {}: {}", path.string(), std::strerror(errno));
    have += static_cast<size_t>(got);
    size_t pos = 0;
    while (pos < have) {
      const void* nl = std::memchr(buf.data() + pos, '\n', have - pos);
      if (!nl) break;
      const size_t end = static_cast<size_t>(static_cast<const char*>(nl) - buf.data());
      const std::string_view line(buf.data() + pos, end - pos);
      // NUL bytes in the last line: blocks a filesystem zero-filled after a crash, never
      // written by Journal::append. A torn tail, as a last line without its newline is.
      if (buf_at + end + 1 == size && line.find('\0') != std::string_view::npos) {
        rr.torn_tail = true;
        rr.kept_bytes = buf_at + pos;
        return rr;
      }
      ++lineno;
      ResumeLine parsed;
      try {
        parsed = read_line(parser, line.data(), line.size(), buf.size() - pos);
      } catch (const simdjson::simdjson_error& e) {
        return make_error(Errc::invalid, "{}:{}: unreadable journal line: {}", path.string(),
                          lineno, e.what());
      } catch (const BadLine& e) {
        return make_error(Errc::invalid, "{}:{}: unreadable journal line: {}", path.string(),
                          lineno, e.what);
      }
      TB_TRY(visit(std::move(parsed)));
      pos = end + 1;
    }
    std::memmove(buf.data(), buf.data() + pos, have - pos);
    buf_at += pos;
    have -= pos;
    if (got == 0) break;
  }
  rr.torn_tail = have > 0;  // no newline at the end: the write never finished
  rr.kept_bytes = buf_at;
  return rr;
}

}  // namespace tb::capture::detail
