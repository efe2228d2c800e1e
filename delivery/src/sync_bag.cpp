#include <fcntl.h>
#include <fmt/format.h>
#include <fnmatch.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <future>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "run_program.hpp"
#include "sync_spawn.hpp"
#include "tetherbox/capture/finished_bag.hpp"
#include "tetherbox/capture/storage.hpp"
#include "tetherbox/common/time_utc.hpp"
#include "tetherbox/delivery/copy.hpp"
#include "tetherbox/delivery/source_bag.hpp"
#include "tetherbox/delivery/sync.hpp"

namespace tb::delivery {

namespace {

// rclone's last error lines: they name the cause (credentials, host, bucket).
std::string tail_lines(const std::string& s, size_t n) {
  std::vector<std::string> lines;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) lines.push_back(l);
  std::string out;
  for (size_t i = lines.size() > n ? lines.size() - n : 0; i < lines.size(); ++i)
    out += "\n  " + lines[i];
  return out;
}

// "<hex>  <path>" lines (sha256sum / md5sum format) -> path -> hex, for hex of `len` digits.
std::map<std::string, std::string> parse_hash_lines(const std::string& text, size_t len) {
  std::map<std::string, std::string> m;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    const auto sp = l.find("  ");
    if (sp == len) m[l.substr(len + 2)] = l.substr(0, len);
  }
  return m;
}

// rclone -vv --use-json-log: the files whose MD5 rclone compared and found equal ("md5 = <hex>
// OK": local against remote, whether it skipped the file as identical or uploaded it and
// checked the upload; on crypt, the encrypted bytes sent against the ones stored). A file
// missing here (skipped by size on a remote without MD5, an object stored without one, another
// rclone wording) is read back and hashed instead: never trusted.
void add_md5_checked(const std::string& log, std::set<std::string>& checked) {
  std::istringstream in(log);
  for (std::string l; std::getline(in, l);) {
    if (l.find("OK") == std::string::npos) continue;
    const auto j = nlohmann::json::parse(l, nullptr, false);
    if (!j.is_object() || !j.contains("msg") || !j["msg"].is_string() || !j.contains("object") ||
        !j["object"].is_string())
      continue;
    const auto msg = j["msg"].get<std::string>();
    if (msg.size() == 41 && msg.rfind("md5 = ", 0) == 0 && msg.substr(38) == " OK" &&
        msg.find_first_not_of("0123456789abcdef", 6) == 38)
      checked.insert(j["object"].get<std::string>());
  }
}

// What to show of a failed rclone's output: its error and notice lines (the JSON log's
// "object: msg"), not the debug lines around them.
std::string error_text(const std::string& err) {
  std::string out;
  std::istringstream in(err);
  for (std::string l; std::getline(in, l);) {
    const auto j = nlohmann::json::parse(l, nullptr, false);
    if (!j.is_object()) {
      if (!l.empty()) out += l + "\n";
      continue;
    }
    const std::string level = j.value("level", "");
    if (level != "error" && level != "critical" && level != "fatal" && level != "notice") continue;
    const std::string object = j.value("object", "");
    out += (object.empty() ? "" : object + ": ") + j.value("msg", "") + "\n";
  }
  return out;
}

Result<std::string> read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return make_error(Errc::io, "{}: cannot be read", p.string());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Status write_text(const fs::path& p, const std::string& s) {
  auto w = capture::write_file_atomic(p, s);
  if (!w) return w.error();
  return ok_status();
}

}  // namespace

std::vector<std::string> select_entries(const std::vector<std::string>& entries, bool previews,
                                        const std::vector<std::string>& globs) {
  if (!previews && globs.empty()) return entries;
  std::vector<std::string> out;
  for (const auto& e : entries) {
    const std::string rel = e.substr(5);
    const bool records = rel.rfind("frames/", 0) != 0 && rel.rfind("releases/", 0) != 0;
    bool chosen = records;  // previews, report, journal, snapshot, exports
    if (!chosen && rel.rfind("frames/", 0) == 0) {
      const std::string stem = fs::path(rel).stem().string();
      for (const auto& g : globs)
        if (::fnmatch(g.c_str(), stem.c_str(), 0) == 0 ||
            ::fnmatch(g.c_str(), fs::path(rel).filename().c_str(), 0) == 0)
          chosen = true;
    }
    if (chosen) out.push_back(e);
  }
  return out;
}

Result<SyncSummary> sync_bag(const fs::path& bag_dir, const SyncOptions& opt) {
  if (opt.remote.find(':') == std::string::npos)
    return make_error(Errc::invalid, "sync: remote '{}' is not an rclone remote (name:path)",
                      opt.remote);
  std::vector<std::string> globs;
  if (!opt.select.empty()) {
    auto t = read_text(opt.select);
    if (!t) return t.error();
    std::istringstream in(*t);
    for (std::string l; std::getline(in, l);) {
      while (!l.empty() && (l.back() == '\r' || l.back() == ' ')) l.pop_back();
      if (!l.empty() && l[0] != '#') globs.push_back(l);
    }
    if (globs.empty())
      return make_error(Errc::invalid, "sync --select {}: no frame name in it",
                        opt.select.string());
  }
  auto src = capture::open_closed_bag(bag_dir);
  if (!src) return src.error();
  // The bag is hashed against its manifest while rclone sends what the remote lacks (one core
  // hashes, the others upload): see the payload copy below for why that is safe.
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  auto since = [](Clock::time_point a) {
    return std::chrono::duration<double>(Clock::now() - a).count();
  };
  double t_hashed = 0, t_payload = 0, t_tags = 0;
  auto verified =
      std::async(std::launch::async, [d = src->dir()] { return capture::verify_bag(d); });
  const fs::path dir = src->dir();
  const fs::path abs = fs::absolute(dir).lexically_normal();
  const std::string name = (abs.filename().empty() ? abs.parent_path() : abs).filename().string();
  SyncSummary sum;
  sum.place = opt.remote + (opt.remote.back() == ':' || opt.remote.back() == '/' ? "" : "/") + name;
  const auto chosen = select_entries(src->entries, opt.previews || !globs.empty(), globs);
  sum.total = src->entries.size();
  sum.partial = chosen.size() != src->entries.size();
  if (!globs.empty()) {
    size_t frames = 0;
    for (const auto& e : chosen) frames += e.rfind("data/frames/", 0) == 0;
    if (frames == 0)
      return make_error(Errc::invalid, "sync --select {}: matches no frame of the bag",
                        opt.select.string());
  }

  // Tag files for what the remote will hold, made in a private temp folder.
  char tmpl[] = "/tmp/tetherbox-sync.XXXXXX";
  if (!::mkdtemp(tmpl)) return make_error(Errc::io, "mkdtemp: {}", std::strerror(errno));
  const fs::path tmp(tmpl);
  struct Cleanup {
    fs::path p;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(p, ec);
    }
  } cleanup{tmp};
  const fs::path tags = tmp / "tags";
  fs::create_directories(tags);
  auto manifest_text = read_text(dir / "manifest-sha256.txt");
  if (!manifest_text) return manifest_text.error();
  const auto listed = parse_hash_lines(*manifest_text, 64);
  std::string manifest, files;
  for (const auto& e : chosen) {
    manifest += listed.at(e) + "  " + e + "\n";
    files += e + "\n";
  }
  if (sum.partial) {
    auto info = read_text(dir / "bag-info.txt");
    if (!info) return info.error();
    std::string kept;
    std::istringstream in(*info);
    for (std::string l; std::getline(in, l);)
      if (l.rfind("Payload-Oxum:", 0) != 0) kept += l + "\n";  // not this copy's payload
    kept += fmt::format("Tetherbox-Partial: {} of {} payload files (--previews/--select)\n",
                        chosen.size(), src->entries.size());
    TB_TRY(write_text(tags / "manifest-sha256.txt", manifest));
    TB_TRY(write_text(tags / "bag-info.txt", kept));
    auto bagit = read_text(dir / "bagit.txt");
    if (!bagit) return bagit.error();
    TB_TRY(write_text(tags / "bagit.txt", *bagit));
    std::string tm;
    for (const char* t : {"bagit.txt", "bag-info.txt", "manifest-sha256.txt"}) {
      auto h = capture::sha256_file(tags / t);
      if (!h) return h.error();
      tm += *h + "  " + t + "\n";
    }
    TB_TRY(write_text(tags / "tagmanifest-sha256.txt", tm));
  } else {
    for (const char* t :
         {"bagit.txt", "bag-info.txt", "manifest-sha256.txt", "tagmanifest-sha256.txt"})
      fs::copy_file(dir / t, tags / t);
  }
  TB_TRY(write_text(tmp / "files.txt", files));

  std::vector<std::string> common = {opt.rclone, "--retries", "1", "--low-level-retries", "2"};
  if (!opt.bwlimit.empty()) {
    common.push_back("--bwlimit");
    common.push_back(opt.bwlimit);
  }
  auto with_common = [&](const std::vector<std::string>& args) {
    std::vector<std::string> argv = common;
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  };
  auto failed = [&](const Run& r, const char* what) {
    return make_error(Errc::io,
                      "sync to {}: rclone {} failed (exit {}); the bag is not marked "
                      "synced, run sync again to resume:{}",
                      sum.place, what, r.status, tail_lines(error_text(r.err), 4));
  };
  auto rclone = [&](std::vector<std::string> args, const char* what) -> Result<Run> {
    auto r = run_program(with_common(args), tmp);
    if (!r) return r.error();
    if (r->status != 0) return failed(*r, what);
    return r;
  };
  // Copies log at debug level, as JSON: their MD5 checks are the remote verification.
  const std::vector<std::string> logged = {"-vv", "--use-json-log"};
  std::set<std::string> md5_checked;
  auto copy_checked = [&](std::vector<std::string> args, const char* what) -> Status {
    args.insert(args.begin() + 1, logged.begin(), logged.end());
    auto r = rclone(args, what);
    if (!r) return r.error();
    add_md5_checked(r->err, md5_checked);
    return ok_status();
  };
  auto started = [&](std::vector<std::string> args, const char* name) {
    return Spawned::start(with_common(args), tmp, name);
  };
  auto verified_status = [&]() {
    return capture::refuse_unverified(
        dir, verified.get(), "not marked synced, no tag file sent, no file on the remote replaced");
  };
  // Payload first, tag files last: a remote with a manifest has every file it lists.
  // The first copy runs beside the verification and may only add files (--immutable): a file
  // the remote holds is never replaced before the bag is proven to match its manifest, so a
  // bag damaged on this disk cannot spoil a good remote copy. When the remote holds a file that
  // differs (changed there, or an older version), that copy fails and, the bag verified, the
  // plain copy replaces it.
  if (!chosen.empty()) {
    const std::vector<std::string> payload = {
        "copy",       "--checksum", "--files-from-raw", (tmp / "files.txt").string(),
        dir.string(), sum.place};
    auto first = payload;
    first.insert(first.begin() + 1, logged.begin(), logged.end());
    first.insert(first.begin() + 1, "--immutable");
    auto up = started(first, "payload");
    if (!up) return up.error();
    auto v = verified_status();
    t_hashed = since(t0);
    if (!v) {
      up->stop();
      return v.error();
    }
    auto r = up->wait();
    if (!r) return r.error();
    add_md5_checked(r->err, md5_checked);
    if (r->status != 0) {
      spdlog::info("sync: the remote holds files that differ; sending them again");
      TB_TRY(copy_checked(payload, "copy"));
    }
  } else {
    TB_TRY(verified_status());
    t_hashed = since(t0);
  }
  t_payload = since(t0);
  TB_TRY(copy_checked({"copy", "--checksum", tags.string(), sum.place}, "copy (tag files)"));
  // Verify on the remote without reading it back where it can: the local files were checked
  // against the manifest's SHA-256 above (and the bag stays locked). With --checksum, rclone
  // copy compared every file's MD5 with the remote's (S3: the ETag of a single-part object,
  // rclone's md5chksum metadata for a multipart one), sent those that differ and checked each
  // upload's MD5 after transfer, failing otherwise; its MD5 of the local file costs no extra
  // read, as the upload needs it anyway, and its log names every file it checked so (no
  // listing of the remote is needed). Where the remote gave no MD5 (rclone falls back to
  // sizes), the file is downloaded and hashed with SHA-256 against the manifest (a tag file
  // against its own SHA-256).
  std::string bad;
  std::vector<std::string> changed;
  auto verify = [&]() -> Status {
    bad.clear();
    changed.clear();
    std::string unhashed;
    std::vector<std::string> download;
    std::vector<std::string> want_files = chosen;  // payload, then the tag files sent
    for (const char* t : {"bagit.txt", "bag-info.txt", "manifest-sha256.txt"})
      want_files.push_back(t);
    for (const auto& e : want_files) {
      if (md5_checked.contains(e)) continue;
      download.push_back(e);
      unhashed += e + "\n";
    }
    spdlog::info("sync: {} file(s) checked by rclone's MD5 comparison, {} read back",
                 want_files.size() - download.size(), download.size());
    if (download.empty()) return ok_status();
    TB_TRY(write_text(tmp / "unhashed.txt", unhashed));
    auto h = rclone({"hashsum", "sha256", "--download", "--files-from-raw",
                     (tmp / "unhashed.txt").string(), sum.place},
                    "hashsum");
    if (!h) return h.error();
    const auto got = parse_hash_lines(h->out, 64);
    for (const auto& e : download) {
      std::string want;
      if (e.rfind("data/", 0) == 0) {
        want = listed.at(e);
      } else {
        auto w = capture::sha256_file(tags / e);
        if (!w) return w.error();
        want = *w;
      }
      auto it = got.find(e);
      if (it == got.end()) {
        bad += "\n  missing on the remote: " + e;
      } else if (it->second != want) {
        bad += "\n  changed on the remote: " + e;
        changed.push_back(e);
      }
    }
    return ok_status();
  };
  t_tags = since(t0) - t_payload;
  TB_TRY(verify());
  if (!changed.empty()) {
    // Where the remote gives no MD5, rclone copy --checksum compares sizes only and skips a
    // changed file of the same size, so a later sync would never repair it: resend exactly
    // those files now, then check again.
    std::string payload, tagnames;
    for (const auto& e : changed) (e.rfind("data/", 0) == 0 ? payload : tagnames) += e + "\n";
    spdlog::warn("sync: {} file(s) differ on {}; sending them again", changed.size(), sum.place);
    if (!payload.empty()) {
      TB_TRY(write_text(tmp / "resend.txt", payload));
      TB_TRY(copy_checked({"copy", "--ignore-times", "--files-from-raw",
                           (tmp / "resend.txt").string(), dir.string(), sum.place},
                          "copy (resend)"));
    }
    if (!tagnames.empty()) {
      TB_TRY(write_text(tmp / "resend-tags.txt", tagnames));
      TB_TRY(copy_checked({"copy", "--ignore-times", "--files-from-raw",
                           (tmp / "resend-tags.txt").string(), tags.string(), sum.place},
                          "copy (resend tag files)"));
    }
    TB_TRY(verify());
  }
  if (!bad.empty())
    return make_error(Errc::mismatch,
                      "sync to {}: the remote does not hold the bag's files as the manifest "
                      "says; not marked synced (run sync again to resend them):{}",
                      sum.place, bad);
  sum.files = chosen.size();
  auto msha = capture::sha256_file(dir / "manifest-sha256.txt");
  if (!msha) return msha.error();
  nlohmann::json line = {{"type", sum.partial ? "sync-partial" : "sync"},
                         {"place", sum.place},
                         {"utc", format_utc_iso(std::chrono::system_clock::now())},
                         {"files", sum.files},
                         {"manifest_sha256", *msha}};
  auto log = capture::Journal::open(delivery_log_path(dir));
  if (!log) return log.error();
  TB_TRY((*log)->append(line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
  // Where a sync's time goes (scripts/bench prints it beside plain rclone copy).
  spdlog::info(
      "sync timings: bag hashed after {:.2f} s, payload sent {:.2f} s (hashing alongside), tag "
      "files {:.2f} s, read-back check and record {:.2f} s",
      t_hashed, t_payload, t_tags, since(t0) - t_payload - t_tags);
  spdlog::info("sync: {} verified ({} of {} files)", sum.place, sum.files, sum.total);
  return sum;
}

}  // namespace tb::delivery
