#include <fmt/format.h>

#include "tetherbox/capture/quality_retake.hpp"

namespace tb::capture::quality {

std::string retake_name(const std::string& base, int number, const std::set<std::string>& taken) {
  std::string name = fmt::format("{}_r{}", base, number);
  while (taken.count(name)) name += 'x';
  return name;
}

std::map<uint64_t, PendingRetake> pending_retakes(const std::vector<FrameRecord>& frames) {
  std::set<std::string> names;
  std::map<uint64_t, const FrameRecord*> last;  // journal order: the later frame wins
  for (const auto& f : frames) {
    names.insert(f.name);
    last[f.seq] = &f;
  }
  std::map<uint64_t, PendingRetake> out;
  for (const auto& [seq, f] : last) {
    if (f->superseded_by.empty() || names.count(f->superseded_by)) continue;
    PendingRetake p;
    // The base is the first frame of the position: walk back the retake chain.
    p.base = f->name;
    for (const FrameRecord* cur = f; !cur->retake_of.empty();) {
      p.base = cur->retake_of;
      const FrameRecord* prev = nullptr;
      for (const auto& g : frames)
        if (g.seq == seq && g.name == cur->retake_of) prev = &g;
      if (!prev) break;
      cur = prev;
    }
    p.superseded = f->name;
    p.name = f->superseded_by;
    p.number = f->retake_number + 1;
    out.emplace(seq, std::move(p));
  }
  return out;
}

}  // namespace tb::capture::quality
