#pragma once
// Model and property releases added to a finished bag: `tetherbox release add` / `list`.
// The release file is stored under data/releases/ (listed in the manifest with its SHA-256),
// a {"type":"release"} journal line links it to the frames it covers (the journal is the
// record of the shoot), report.json gets a "releases" section rebuilt from those lines (and
// report.html with it), and the bag is finalized again (new Payload-Oxum and tag manifest).
// The bag's lock is held throughout: a running session or another add is refused.
#include <filesystem>
#include <string>
#include <vector>

#include "tetherbox/common/result.hpp"

namespace tb::delivery {

namespace fs = std::filesystem;

struct ReleaseAdd {
  fs::path file;
  std::string kind;     // "model" | "property"
  std::string subject;  // who or what it releases
  std::string frames;   // glob over frame names ("" = every frame)
};

struct ReleaseEntry {
  std::string path;  // "data/releases/..."
  std::string type;  // PDF | JPEG | PNG (by content)
  std::string kind, subject, sha256, utc;
  std::vector<std::string> frames;  // frame names covered
};

// "PDF", "JPEG", "PNG" from the first bytes, or "" for anything else.
std::string release_type_of(const std::vector<uint8_t>& head);

// Errors (the bag unchanged): file not a regular readable file or not a PDF/JPEG/PNG by its
// content (Errc::invalid, naming the file and what it starts with); kind not model|property;
// empty subject; a glob that matches no frame; the bag refused by open_finished_bag.
Result<ReleaseEntry> add_release(const fs::path& bag, const ReleaseAdd& r);
// The releases the journal records, in the order added.
Result<std::vector<ReleaseEntry>> list_releases(const fs::path& bag);

}  // namespace tb::delivery
