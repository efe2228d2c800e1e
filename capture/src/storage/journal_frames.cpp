// Frame records read back from the journal one at a time (frame_source.hpp). The index holds
// two (offset, length) pairs per frame; a visit reads and parses one frame line and its
// preview line, so a pass costs one record of memory whatever the session's length.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>

#include <nlohmann/json.hpp>

#include "tetherbox/capture/frame_source.hpp"

namespace tb::capture {

FrameList::FrameList(const std::vector<FrameRecord>& frames) {
  // Per seq: the frames of its latest take, an in-place quality retake (retake_of) adding to
  // the take rather than replacing it.
  std::map<uint64_t, std::vector<const FrameRecord*>> latest;
  for (const auto& f : frames) {
    auto& take = latest[f.seq];
    if (f.retake_of.empty()) take.clear();
    take.push_back(&f);
  }
  for (const auto& [seq, take] : latest)
    for (const auto* f : take) by_seq_.push_back(f);
}

Status FrameList::for_each(const FrameVisitor& fn) const {
  for (const auto* f : by_seq_) TB_TRY(fn(*f));
  return ok_status();
}

Status WithoutSuperseded::for_each(const FrameVisitor& fn) const {
  // A take arrives in journal order (frame, then its retakes): hold a superseded frame until
  // the next record says whether its retake came.
  std::optional<FrameRecord> held;
  TB_TRY(in_.for_each([&](const FrameRecord& f) -> Status {
    if (held) {
      const bool replaced = f.seq == held->seq && f.retake_of == held->name;
      if (!replaced) TB_TRY(fn(*held));
      held.reset();
    }
    if (!f.superseded_by.empty()) {
      held = f;
      return ok_status();
    }
    return fn(f);
  }));
  if (held) TB_TRY(fn(*held));
  return ok_status();
}

namespace {

// The fields the index needs, without building the record.
struct LineKind {
  std::string type;
  bool has_seq = false;
  uint64_t seq = 0;
  bool retake = false;           // a "retake" fault: the frame is taken again at resume
  bool quality_retake = false;   // a frame line with retake_of: kept beside the one it supersedes
  size_t name_hash = 0;          // frame and preview lines: which frame of a seq
};

LineKind kind_of(const nlohmann::json& j) {
  LineKind k;
  k.type = j.value("type", "");
  if (j.contains("seq") && j.at("seq").is_number_unsigned()) {
    k.has_seq = true;
    k.seq = j.at("seq").get<uint64_t>();
  }
  k.retake = j.value("retake", false);
  if (j.contains("retake_of") && j.at("retake_of").is_string())
    k.quality_retake = !j.at("retake_of").get_ref<const std::string&>().empty();
  if (j.contains("name") && j.at("name").is_string())
    k.name_hash = std::hash<std::string>{}(j.at("name").get_ref<const std::string&>());
  return k;
}

// Reads exactly `n` bytes at `off` (the file is the journal; it only grows).
Result<std::string> read_at(int fd, uint64_t off, uint32_t n, const fs::path& path) {
  std::string buf(n, '\0');
  size_t done = 0;
  while (done < n) {
    const ssize_t r = ::pread(fd, buf.data() + done, n - done, static_cast<off_t>(off + done));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0)
      return make_error(Errc::io, "cannot read {} at byte {}: {}", path.string(), off + done,
                        r < 0 ? std::strerror(errno) : "unexpected end of file");
    done += static_cast<size_t>(r);
  }
  return buf;
}

}  // namespace

Result<JournalFrames> JournalFrames::index(const fs::path& journal) {
  std::ifstream in(journal, std::ios::binary);
  if (!in) {
    if (!fs::exists(journal))
      return make_error(Errc::not_found, "journal {} not found", journal.string());
    return make_error(Errc::io, "cannot read journal {}", journal.string());
  }
  // Per seq, its latest take: one frame, or a frame and its in-place quality retakes.
  std::map<uint64_t, std::vector<Slot>> slots;
  std::string line;
  uint64_t offset = 0;
  size_t lineno = 0;
  while (std::getline(in, line)) {
    const uint64_t at = offset;
    offset += line.size() + 1;
    ++lineno;
    // No newline at the end of the file, or NUL bytes: a torn tail left by a crash.
    if (in.eof() || line.find('\0') != std::string::npos) break;
    LineKind k;
    try {
      k = kind_of(nlohmann::json::parse(line));
    } catch (const nlohmann::json::exception& e) {
      return make_error(Errc::invalid, "{}:{}: unreadable journal line: {}", journal.string(),
                        lineno, e.what());
    }
    if (!k.has_seq) continue;
    const Line here{at, static_cast<uint32_t>(line.size())};
    if (k.type == "frame") {
      auto& take = slots[k.seq];
      if (!k.quality_retake) take.clear();  // a frame retaken at resume replaces the old line
      take.push_back(Slot{k.seq, k.name_hash, here, {}});
    } else if (k.type == "preview") {
      if (auto it = slots.find(k.seq); it != slots.end() && !it->second.empty()) {
        // A preview line names its frame; an older one without a name goes to the latest.
        Slot* to = &it->second.back();
        for (auto& sl : it->second)
          if (k.name_hash != 0 && sl.name_hash == k.name_hash) to = &sl;
        to->preview = here;
      }
    } else if (k.type == "fault" && k.retake) {
      slots.erase(k.seq);
    }
  }
  if (in.bad()) return make_error(Errc::io, "read error on journal {}", journal.string());
  JournalFrames out;
  out.path_ = journal;
  out.slots_.reserve(slots.size());
  for (auto& [seq, take] : slots)
    for (auto& sl : take) out.slots_.push_back(sl);
  return out;
}

Status JournalFrames::for_each(const FrameVisitor& fn) const {
  const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return make_error(Errc::io, "cannot open {}: {}", path_.string(), std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  for (const auto& s : slots_) {
    auto text = read_at(fd, s.frame.offset, s.frame.length, path_);
    if (!text) return text.error();
    FrameRecord r;
    try {
      r = frame_record_from_json(nlohmann::json::parse(*text));
      if (s.preview.length > 0) {
        auto pv_text = read_at(fd, s.preview.offset, s.preview.length, path_);
        if (!pv_text) return pv_text.error();
        const auto pv = nlohmann::json::parse(*pv_text);
        if (pv.contains("file") && pv.at("file").is_object())
          r.files.push_back(file_record_from_json(pv.at("file")));
        if (pv.contains("histogram")) r.histogram = histogram_from_json(pv.at("histogram"));
        if (pv.contains("fault")) r.faults.push_back(pv.at("fault").get<std::string>());
      }
    } catch (const nlohmann::json::exception& e) {
      return make_error(Errc::invalid, "{}: frame {} (byte {}): unreadable record: {}",
                        path_.string(), s.seq, s.frame.offset, e.what());
    }
    TB_TRY(fn(r));
  }
  return ok_status();
}

}  // namespace tb::capture
