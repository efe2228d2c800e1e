#include "tetherbox/capture/resume.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <map>
#include <set>

namespace tb::capture {

std::string plan_fingerprint_of(const std::vector<std::string>& shot_keys) {
  std::string all;
  for (const auto& k : shot_keys) {
    all += k;
    all += '\n';
  }
  const auto* p = reinterpret_cast<const uint8_t*>(all.data());
  return fmt::format("{}:{}", shot_keys.size(), sha256_hex({p, all.size()}).substr(0, 16));
}

Result<JournalState> load_journal(Bag& bag, bool repair) {
  JournalState st;
  const auto path = bag.data_dir() / "journal.jsonl";
  auto lines = Journal::read_lines(path, &st.torn_tail);
  if (!lines) return lines.error();
  size_t lineno = 0;
  std::set<std::string> claimed;
  std::map<uint64_t, size_t> by_seq;  // seq -> index in st.frames
  for (const auto& line : *lines) {
    ++lineno;
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
      const std::string type = j.value("type", "");
      if (j.contains("request_id") && j.at("request_id").is_number_unsigned())
        st.next_request_id = std::max(st.next_request_id, j.at("request_id").get<uint64_t>() + 1);
      if (type == "session_start") {
        st.plan_fingerprint = j.value("plan_fingerprint", "");
      } else if (type == "frame") {
        FrameRecord r = frame_record_from_json(j);
        st.done_seqs.insert(r.seq);
        for (const auto& f : r.files) claimed.insert(f.path);
        by_seq[r.seq] = st.frames.size();
        st.frames.push_back(std::move(r));
      } else if (type == "preview") {
        // Previews are made after the frame is durable; their line joins the frame's record.
        auto it = by_seq.find(j.at("seq").get<uint64_t>());
        if (it != by_seq.end()) {
          FrameRecord& r = st.frames[it->second];
          st.preview_seen.insert(r.seq);
          if (j.contains("file") && j.at("file").is_object()) {
            FileRecord fr = file_record_from_json(j.at("file"));
            claimed.insert(fr.path);
            r.files.push_back(std::move(fr));
          }
          if (j.contains("histogram")) r.histogram = histogram_from_json(j.at("histogram"));
          if (j.contains("fault")) r.faults.push_back(j.at("fault").get<std::string>());
        }
      } else if (type == "fault" && !j.contains("seq")) {
        st.session_faults.push_back(j.value("message", ""));
      }
    } catch (const nlohmann::json::exception& e) {
      return make_error(Errc::invalid, "{}:{}: unreadable journal line: {}", path.string(), lineno,
                        e.what());
    }
  }
  if (!repair) return st;
  if (st.torn_tail) {
    std::string text;
    for (const auto& l : *lines) text += l + "\n";
    auto w = write_file_atomic(path, text);
    if (!w) return w.error();
  }
  // Frame files written before the crash but never journaled: not part of the dataset.
  for (const auto& rel : bag.entries()) {
    if ((rel.rfind("data/frames/", 0) == 0 || rel.rfind("data/previews/", 0) == 0) &&
        !claimed.count(rel)) {
      auto removed = bag.remove(rel.substr(5));
      if (!removed) return removed.error();
      ++st.orphans_removed;
    }
  }
  auto orphans = bag.remove_orphans();
  if (!orphans) return orphans.error();
  st.orphans_removed += static_cast<size_t>(*orphans);
  return st;
}

}  // namespace tb::capture
