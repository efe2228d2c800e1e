// Resume: the journal is the truth of what was taken. What a journal line claims is never
// deleted; a claimed file that is missing or changed makes its frame be retaken; what the bag
// did not provably write is quarantined, never deleted (storage.hpp, DURABILITY PROTOCOL).
#include "tetherbox/capture/resume.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "journal_resume_read.hpp"
#include "storage_io_detail.hpp"
#include "tetherbox/common/time_utc.hpp"

namespace tb::capture {

namespace {

std::string dump_line(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool exists_no_follow(const fs::path& p) {
  struct stat st {};
  return ::lstat(p.c_str(), &st) == 0;
}

// Drops every trace of the frames at `seqs` from the state: the runner then takes them again.
// One pass whatever their number (a resume that finds many files gone stays linear).
void forget_frames(JournalState& st, const std::set<uint64_t>& seqs) {
  if (seqs.empty()) return;
  for (const auto& r : st.frames)
    if (seqs.count(r.seq)) st.preview_seen.erase(r.name);
  st.frames.erase(std::remove_if(st.frames.begin(), st.frames.end(),
                                 [&](const FrameRecord& r) { return seqs.count(r.seq) > 0; }),
                  st.frames.end());
  for (const auto seq : seqs) st.done_seqs.erase(seq);
}

// The journal's lines folded into records. Linear in the journal's length: a 100 000-frame
// bag must resume in seconds, so a frame's record is found through an index by seq, and a
// frame replaced (retaken at resume) is only marked dead until the end.
Result<detail::ResumeRead> fold_journal(const fs::path& path, JournalState& st) {
  std::unordered_map<uint64_t, std::vector<size_t>> by_seq;  // seq -> live indices in st.frames
  std::vector<bool> dead(st.frames.size(), false);
  auto forget = [&](uint64_t seq) {
    if (auto it = by_seq.find(seq); it != by_seq.end()) {
      for (const auto i : it->second) {
        dead[i] = true;
        st.preview_seen.erase(st.frames[i].name);
      }
      by_seq.erase(it);
    }
    st.done_seqs.erase(seq);
  };
  using Kind = detail::ResumeLine::Kind;
  auto read = detail::read_journal_for_resume(path, [&](detail::ResumeLine&& l) -> Status {
    if (l.request_id) st.next_request_id = std::max(st.next_request_id, *l.request_id + 1);
    switch (l.kind) {
      case Kind::session_start:
        st.plan_fingerprint = std::move(l.plan_fingerprint);
        break;
      case Kind::frame: {
        FrameRecord& r = l.frame;
        // A frame retaken at resume replaces the old line; a frame retaken in place (quality:
        // blurred) keeps the one it supersedes, which stays in the bag.
        if (r.retake_of.empty()) forget(r.seq);
        st.done_seqs.insert(r.seq);
        by_seq[r.seq].push_back(st.frames.size());
        dead.push_back(false);
        st.frames.push_back(std::move(r));
        break;
      }
      case Kind::preview: {
        // Previews are made after the frame is durable; their line joins the frame's record.
        auto idx = by_seq.find(l.seq);
        FrameRecord* to = nullptr;
        if (idx != by_seq.end())
          for (const auto i : idx->second)
            if (l.name.empty() || st.frames[i].name == l.name) {  // a retake shares its seq
              to = &st.frames[i];
              break;
            }
        if (to) {
          st.preview_seen.insert(to->name);
          if (l.preview_file) to->files.push_back(std::move(*l.preview_file));
          if (l.preview_histogram) to->histogram = *l.preview_histogram;
          if (l.preview_fault) to->faults.push_back(std::move(*l.preview_fault));
        }
        break;
      }
      case Kind::retake_fault:  // a resume found this frame's files missing or changed
        forget(l.seq);
        break;
      case Kind::session_fault:
        st.session_faults.push_back(std::move(l.message));
        break;
      case Kind::other:
        break;
    }
    return ok_status();
  });
  if (!read) return read.error();
  size_t keep = 0;
  for (size_t i = 0; i < st.frames.size(); ++i)
    if (!dead[i]) {
      if (keep != i) st.frames[keep] = std::move(st.frames[i]);
      ++keep;
    }
  st.frames.resize(keep);
  return read;
}

// Claimed files the manifest lost are re-listed (same hash as the journal); a frame whose
// claimed file is missing or changed is retaken: its remaining files go to quarantine (never
// deleted) and a fault line says which file and why.
Status check_claimed(Bag& bag, JournalState& st, bool rehash) {
  std::map<uint64_t, std::string> retake;  // seq -> reason
  // Stat'ed relative to data/: one path component looked up per file, not the whole bag path.
  const int data_fd = ::open(bag.data_dir().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (data_fd < 0) return detail::write_errno_error(errno, "open", bag.data_dir());
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{data_fd};
  for (const auto& r : st.frames) {
    for (const auto& f : r.files) {
      if (f.path.rfind("data/", 0) != 0 || retake.count(r.seq)) continue;
      const std::string rel = f.path.substr(5);
      struct stat fst {};
      if (::fstatat(data_fd, rel.c_str(), &fst, AT_SYMLINK_NOFOLLOW) != 0) {
        retake[r.seq] = fmt::format("{} is missing (deleted?)", f.path);
        continue;
      }
      if (S_ISREG(fst.st_mode) && f.size > 0 && static_cast<uint64_t>(fst.st_size) != f.size) {
        // Size, not hash: a resume of a 100 000-frame bag must start capturing within seconds,
        // so it re-hashes nothing it was not asked to (`tetherbox verify` re-hashes all).
        retake[r.seq] = fmt::format("{} was changed: {} bytes but the journal says {}", f.path,
                                    fst.st_size, f.size);
        continue;
      }
      if (rehash && S_ISREG(fst.st_mode) && !f.sha256.empty()) {
        auto sha = sha256_file(bag.data_dir() / rel);
        if (!sha) return sha.error();
        if (*sha != f.sha256) {
          retake[r.seq] = fmt::format(
              "{} was changed: its SHA-256 {} differs from the journal's {} (found by --rehash)",
              f.path, *sha, f.sha256);
          continue;
        }
      }
      if (!bag.has(rel)) {
        auto st2 = bag.relist(rel, f.sha256);
        if (st2) {
          ++st.relisted;
          spdlog::warn(
              "resume: {} was journaled but not in the manifest: hash checked, listed again",
              f.path);
        } else if (st2.error().code == Errc::mismatch || st2.error().code == Errc::not_found) {
          retake[r.seq] = st2.error().message;
        } else {
          return st2.error();
        }
      }
    }
  }
  if (retake.empty()) return ok_status();
  auto journal = Journal::open(bag.data_dir() / "journal.jsonl");
  if (!journal) return journal.error();
  // seq -> its frames (a blurred frame and its in-place retake share one), found in one pass.
  std::unordered_map<uint64_t, std::vector<const FrameRecord*>> frames_of;
  for (const auto& r : st.frames)
    if (retake.count(r.seq)) frames_of[r.seq].push_back(&r);
  std::set<uint64_t> forgotten;
  for (const auto& entry : retake) {
    // Named copies: clang 14 cannot capture structured bindings in a lambda.
    const uint64_t seq = entry.first;
    const std::string& reason = entry.second;
    const auto& take = frames_of.at(seq);
    for (const auto* r : take)
      for (const auto& f : r->files) {
        if (f.path.rfind("data/", 0) != 0 || !exists_no_follow(bag.dir() / f.path)) continue;
        TB_TRY(bag.quarantine(f.path.substr(5)));
        st.quarantined.push_back(f.path);
      }
    const std::string& name = take.front()->name;
    const std::string msg = fmt::format("frame {} (seq {}) is retaken: {}", name, seq, reason);
    spdlog::warn("resume: {}", msg);
    TB_TRY(
        (*journal)->append(dump_line({{"type", "fault"},
                                      {"seq", seq},
                                      {"name", name},
                                      {"retake", true},
                                      {"message", msg},
                                      {"utc", format_utc_iso(std::chrono::system_clock::now())}})));
    st.retaken.push_back(name);
    forgotten.insert(seq);
  }
  forget_frames(st, forgotten);
  return ok_status();
}

// Listed frame/preview files no journal line claims: a crash between the manifest and the
// journal line. Ours if the hash still matches the manifest (removed: the frame is retaken),
// else quarantined.
Status drop_unclaimed(Bag& bag, JournalState& st) {
  std::unordered_set<std::string_view> claimed;  // views of st.frames' paths, unchanged here
  claimed.reserve(st.frames.size() * 2);
  for (const auto& r : st.frames)
    for (const auto& f : r.files) claimed.insert(f.path);
  const auto unclaimed = bag.entries_if([&](const std::string& key) {
    return (key.rfind("data/frames/", 0) == 0 || key.rfind("data/previews/", 0) == 0) &&
           !claimed.count(key);
  });
  for (const auto& key : unclaimed) {
    const std::string rel = key.substr(5);
    const auto sha = sha256_file(bag.dir() / key);
    if (sha && *sha == bag.listed_sha256(rel)) {
      TB_TRY(bag.remove(rel));
      ++st.orphans_removed;
      spdlog::info("resume: removed {} (written but never journaled: it is taken again)", key);
    } else if (exists_no_follow(bag.dir() / key)) {
      TB_TRY(bag.quarantine(rel));
      st.quarantined.push_back(key);
    } else {
      TB_TRY(bag.remove(rel));  // listed, never journaled, gone: only the line goes
    }
  }
  return ok_status();
}

}  // namespace

std::string plan_fingerprint_of(const std::vector<std::string>& shot_keys) {
  std::string all;
  for (const auto& k : shot_keys) {
    all += k;
    all += '\n';
  }
  const auto* p = reinterpret_cast<const uint8_t*>(all.data());
  return fmt::format("{}:{}", shot_keys.size(), sha256_hex({p, all.size()}).substr(0, 16));
}

Result<JournalState> load_journal(Bag& bag, bool repair, bool rehash) {
  JournalState st;
  const auto path = bag.data_dir() / "journal.jsonl";
  auto read = fold_journal(path, st);
  if (!read) {
    // A crash between the bag's creation and its first journal line: nothing was taken.
    if (!repair || read.error().code != Errc::not_found) return read.error();
    read = detail::ResumeRead{};
  }
  st.torn_tail = read->torn_tail;
  if (!repair) return st;
  if (st.torn_tail) {
    // The torn line was never acknowledged (storage.hpp): opening the journal to append cuts
    // it off, by the same rule the read above used.
    auto cut = Journal::open(path);
    if (!cut) return cut.error();
  }
  TB_TRY(check_claimed(bag, st, rehash));
  TB_TRY(drop_unclaimed(bag, st));
  auto swept = bag.sweep_unlisted();
  if (!swept) return swept.error();
  st.orphans_removed += swept->removed.size();
  st.quarantined.insert(st.quarantined.end(), swept->quarantined.begin(), swept->quarantined.end());
  if (!st.quarantined.empty())
    spdlog::warn("resume: {} file(s) moved to {}: {}", st.quarantined.size(),
                 (bag.dir() / "quarantine").string(), fmt::join(st.quarantined, ", "));
  return st;
}

}  // namespace tb::capture
