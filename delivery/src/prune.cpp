#include "tetherbox/delivery/prune.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <set>
#include <span>

#include "run_program.hpp"
#include "tetherbox/capture/storage.hpp"
#include "tetherbox/delivery/copy.hpp"

namespace tb::delivery {

namespace {

uint64_t tree_bytes(const fs::path& dir) {
  uint64_t n = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec))
    if (it->is_regular_file(ec)) n += it->file_size(ec);
  return n;
}

// The remote's manifest, read back (rclone cat) and hashed: whether the place still holds this
// content. A read that fails (remote gone, credentials) does not count; `why` says so.
bool remote_holds(const std::string& place, const std::string& manifest_sha, std::string* why) {
  char tmpl[] = "/tmp/tetherbox-prune.XXXXXX";
  if (!::mkdtemp(tmpl)) {
    *why = fmt::format("mkdtemp: {}", std::strerror(errno));
    return false;
  }
  const fs::path tmp(tmpl);
  auto r = run_program({"rclone", "--retries", "1", "--low-level-retries", "2", "cat",
                        place + "/manifest-sha256.txt"},
                       tmp);
  std::error_code ec;
  if (!r || r->status != 0) {
    *why = fmt::format("{}: its manifest cannot be read back ({})", place,
                       r ? fmt::format("rclone exit {}", r->status) : r.error().message);
    fs::remove_all(tmp, ec);
    return false;
  }
  const std::string got = capture::sha256_hex(
      std::span(reinterpret_cast<const uint8_t*>(r->out.data()), r->out.size()));
  fs::remove_all(tmp, ec);
  if (got != manifest_sha) *why = fmt::format("{}: its manifest differs from this bag's", place);
  return got == manifest_sha;
}

// Whether a recorded place still holds this content: a local copy's manifest is hashed on
// disk, a remote's is read back; the files themselves were verified when the place was
// recorded, and a place whose manifest changed or went away no longer counts.
bool place_holds(const DeliveryRecord& r, const std::string& manifest_sha, std::string* why) {
  if (r.manifest_sha256 != manifest_sha) return false;
  if (r.type == "sync") return remote_holds(r.place, manifest_sha, why);
  if (r.type != "copy") return false;  // a partial sync is no place for the whole bag
  auto h = capture::sha256_file(fs::path(r.place) / "manifest-sha256.txt");
  if (h && *h == manifest_sha) return true;
  *why = fmt::format("{}: the copy is gone or changed", r.place);
  return false;
}

PruneDecision decide(const fs::path& bag, int required) {
  PruneDecision d;
  d.bag = bag;
  std::error_code ec;
  if (!fs::exists(bag / "bag-info.txt", ec) || !fs::exists(bag / "tagmanifest-sha256.txt", ec)) {
    d.why = "not finalized";
    return d;
  }
  auto msha = capture::sha256_file(bag / "manifest-sha256.txt");
  if (!msha) {
    d.why = msha.error().message;
    return d;
  }
  auto log = read_delivery_log(bag);
  if (!log) {
    d.why = log.error().message;
    return d;
  }
  std::set<std::string> places, checked;
  std::string lost;
  for (const auto& r : *log) {
    if (places.contains(r.place) || !checked.insert(r.place + "\n" + r.type).second) continue;
    std::string why;
    if (place_holds(r, *msha, &why))
      places.insert(r.place);
    else if (!why.empty())
      lost += "; " + why;
  }
  d.places.assign(places.begin(), places.end());
  if (static_cast<int>(places.size()) < required) {
    d.why = fmt::format("{} of {} places hold it{}", places.size(), required, lost);
    return d;
  }
  d.prune = true;
  d.why = fmt::format("{} places hold it", places.size());
  return d;
}

}  // namespace

Result<std::vector<PruneDecision>> prune_bags(const fs::path& root, int copies_required,
                                              bool dry_run) {
  if (copies_required < 1)
    return make_error(Errc::invalid, "prune: copies required is {}; expected 1 or more",
                      copies_required);
  std::error_code ec;
  if (!fs::is_directory(root, ec))
    return make_error(Errc::not_found, "{}: no such folder", root.string());
  std::vector<fs::path> bags;
  for (const auto& e : fs::directory_iterator(root, ec))
    if (e.is_directory() && !e.is_symlink() && e.path().filename().string()[0] != '.' &&
        fs::exists(e.path() / "bagit.txt"))
      bags.push_back(e.path());
  if (ec) return make_error(Errc::io, "cannot list {}: {}", root.string(), ec.message());
  std::sort(bags.begin(), bags.end());
  std::vector<PruneDecision> out;
  for (const auto& bag : bags) {
    // The lock first: a bag being written (the open session, a release being added) is never
    // judged, let alone removed; holding it, nothing can start writing while we remove.
    auto locked = capture::Bag::open_existing(bag);
    if (!locked) {
      PruneDecision d;
      d.bag = bag;
      d.why = locked.error().code == Errc::busy ? "open (being written)" : locked.error().message;
      out.push_back(std::move(d));
      continue;
    }
    PruneDecision d = decide(bag, copies_required);
    if (d.prune) {
      d.bytes = tree_bytes(bag);
      if (!dry_run) {
        fs::remove_all(bag, ec);
        if (ec)
          return make_error(Errc::io, "prune: removing {}: {} (the rest of it is still there)",
                            bag.string(), ec.message());
        TB_TRY(capture::fsync_dir(root));
        spdlog::info("prune: removed {} ({})", bag.string(), d.why);
      }
    }
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace tb::delivery
