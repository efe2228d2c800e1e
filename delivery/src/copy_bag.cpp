#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <stdio.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "tetherbox/capture/storage.hpp"
#include "tetherbox/common/time_utc.hpp"
#include "tetherbox/delivery/copy.hpp"
#include "tetherbox/delivery/source_bag.hpp"

namespace tb::delivery {

namespace {

Result<std::vector<uint8_t>> read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return make_error(Errc::io, "{}: cannot be read", p.string());
  std::vector<uint8_t> b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return make_error(Errc::io, "{}: read error", p.string());
  return b;
}

// The manifest's own hash identifies the bag's content: a copy with the same manifest that
// verifies holds the same files.
Result<std::string> manifest_hash(const fs::path& bag) {
  return capture::sha256_file(bag / "manifest-sha256.txt");
}

Status make_dirs(const fs::path& root, const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return make_error(Errc::io, "cannot create {}: {}", dir.string(), ec.message());
  // Each new directory entry durable up to the copy's root.
  for (fs::path d = dir; d != root && d.has_parent_path(); d = d.parent_path())
    TB_TRY(capture::fsync_dir(d.parent_path()));
  return ok_status();
}

// Copies one file unless the partial copy already holds it with the expected hash.
Status copy_one(const fs::path& src, const fs::path& dst_root, const std::string& rel,
                const std::string& want_sha, CopySummary& sum) {
  const fs::path dst = dst_root / rel;
  std::error_code ec;
  if (!want_sha.empty() && fs::is_regular_file(dst, ec)) {
    auto have = capture::sha256_file(dst);
    if (have && *have == want_sha) {
      ++sum.files_kept;
      return ok_status();
    }
  }
  auto bytes = read_all(src / rel);
  if (!bytes) return bytes.error();
  if (!want_sha.empty() && capture::sha256_hex(*bytes) != want_sha)
    return make_error(Errc::mismatch,
                      "{}: changed while being copied (hash differs from the "
                      "manifest); the copy is not recorded",
                      (src / rel).string());
  TB_TRY(make_dirs(dst_root, dst.parent_path()));
  auto w = capture::write_file_atomic(dst, *bytes, capture::Overwrite::replace);
  if (!w) return w.error();
  ++sum.files_written;
  sum.bytes_written += bytes->size();
  return ok_status();
}

Status record(const fs::path& bag, const std::string& type, const fs::path& place,
              const std::string& manifest_sha, size_t files, uint64_t bytes) {
  nlohmann::json j = {{"type", type},
                      {"place", place.string()},
                      {"utc", format_utc_iso(std::chrono::system_clock::now())},
                      {"files", files},
                      {"bytes", bytes},
                      {"manifest_sha256", manifest_sha}};
  auto log = capture::Journal::open(delivery_log_path(bag));
  if (!log) return log.error();
  return (*log)->append(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace

fs::path delivery_log_path(const fs::path& bag) {
  fs::path abs = fs::absolute(bag).lexically_normal();
  if (abs.filename().empty()) abs = abs.parent_path();
  return abs.parent_path() / (abs.filename().string() + ".delivery.jsonl");
}

Result<std::vector<DeliveryRecord>> read_delivery_log(const fs::path& bag) {
  std::vector<DeliveryRecord> out;
  std::error_code ec;
  if (!fs::exists(delivery_log_path(bag), ec)) return out;
  auto lines = capture::Journal::read_lines(delivery_log_path(bag));
  if (!lines) return lines.error();
  for (const auto& l : *lines) {
    const auto j = nlohmann::json::parse(l, nullptr, false);
    if (!j.is_object()) continue;
    out.push_back({j.value("type", ""), j.value("place", ""), j.value("utc", ""),
                   j.value("manifest_sha256", "")});
  }
  return out;
}

Result<CopySummary> copy_bag(const fs::path& bag_dir, const fs::path& dir) {
  if (path_within(dir, bag_dir))
    return make_error(Errc::invalid, "copy target {} is inside the bag {}", dir.string(),
                      bag_dir.string());
  auto src = open_finished_bag(bag_dir);  // locked, finalized, verified
  if (!src) return src.error();
  auto msha = manifest_hash(src->dir());
  if (!msha) return msha.error();
  const fs::path abs_bag = fs::absolute(bag_dir).lexically_normal();
  const std::string name =
      (abs_bag.filename().empty() ? abs_bag.parent_path() : abs_bag).filename().string();
  const fs::path root = fs::absolute(dir).lexically_normal();
  CopySummary sum;
  sum.dest = root / name;
  std::error_code ec;
  TB_TRY(make_dirs(root.parent_path(), root));

  if (fs::exists(sum.dest, ec)) {
    // Only an identical, verified copy is accepted as done; anything else is left alone.
    auto theirs = manifest_hash(sum.dest);
    auto rep = capture::verify_bag(sum.dest);
    if (!theirs || *theirs != *msha || !rep || !rep->ok())
      return make_error(Errc::invalid,
                        "{} exists and is not a verified copy of {}: nothing overwritten; "
                        "remove it or choose another folder",
                        sum.dest.string(), bag_dir.string());
    sum.already_there = true;
    TB_TRY(record(src->dir(), "copy", sum.dest, *msha, src->entries.size(), 0));
    return sum;
  }

  const fs::path partial = root / fmt::format(".{}.copy-partial", name);
  for (const auto& entry : src->entries)
    TB_TRY(copy_one(src->dir(), partial, entry, src->bag->listed_sha256(entry.substr(5)), sum));
  // Tag files last: a partial copy never looks finished.
  for (const char* tag :
       {"bagit.txt", "bag-info.txt", "manifest-sha256.txt", "tagmanifest-sha256.txt"})
    TB_TRY(copy_one(src->dir(), partial, tag, "", sum));
  auto rep = capture::verify_bag(partial);
  if (!rep) return rep.error();
  if (!rep->ok()) {
    std::string what;
    for (const auto& f : rep->missing) what += "\n  missing: " + f;
    for (const auto& f : rep->changed) what += "\n  changed: " + f;
    for (const auto& f : rep->extra) what += "\n  extra: " + f;
    for (const auto& f : rep->problems) what += "\n  problem: " + f;
    return make_error(Errc::mismatch,
                      "the copy in {} does not verify (kept for the next run to resume):{}",
                      partial.string(), what);
  }
  if (::renameat2(AT_FDCWD, partial.c_str(), AT_FDCWD, sum.dest.c_str(), RENAME_NOREPLACE) != 0)
    return make_error(Errc::io, "cannot rename {} onto {}: {}", partial.string(), sum.dest.string(),
                      std::strerror(errno));
  TB_TRY(capture::fsync_dir(root));
  TB_TRY(record(src->dir(), "copy", sum.dest, *msha, rep->files_checked, rep->bytes_checked));
  spdlog::info("copy: {} verified ({} files written, {} kept from an earlier run)",
               sum.dest.string(), sum.files_written, sum.files_kept);
  return sum;
}

}  // namespace tb::delivery
