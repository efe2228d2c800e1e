#pragma once
// The journal read back for a resume: each line reduced to what resume needs (resume.hpp).
// Private to the storage sources.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "tetherbox/capture/record.hpp"
#include "tetherbox/common/result.hpp"

namespace tb::capture::detail {

struct ResumeLine {
  enum class Kind { other, session_start, frame, preview, retake_fault, session_fault };
  Kind kind = Kind::other;
  std::optional<uint64_t> request_id;  // any line that carries one
  std::string plan_fingerprint;        // session_start
  // frame: the fields a resume reads (seq, request_id, name, position.light, files, faults,
  // histogram, optics, raw_levels, sharpness, superseded_by, retake_of, retake_number); the
  // rest of the record (GPS, ambient, exposure, time) stays in the journal.
  FrameRecord frame;
  uint64_t seq = 0;                           // preview, retake_fault
  std::string name;                           // preview, retake_fault (may be empty)
  std::optional<FileRecord> preview_file;     // preview
  std::optional<Histogram> preview_histogram;  // preview
  std::optional<std::string> preview_fault;   // preview
  std::string message;                        // session_fault
};

struct ResumeRead {
  bool torn_tail = false;  // the last line was cut by a crash (not handed to the visitor)
  uint64_t kept_bytes = 0;  // the journal's length without that torn line
};

// Reads the journal at `path` and hands each whole line, in order, to `visit`. simdjson
// (On-Demand) reads only the keys above: a 100 000-frame journal (~190 MB) takes half a second
// where a full DOM parse of every line took three, in 4 MiB chunks (memory: one chunk and
// the longest line). A line that is not a JSON object,
// or whose needed keys have the wrong type, is an error naming path:line. Errc::not_found
// when there is no journal.
Result<ResumeRead> read_journal_for_resume(const std::filesystem::path& path,
                                           const std::function<Status(ResumeLine&&)>& visit);

}  // namespace tb::capture::detail
