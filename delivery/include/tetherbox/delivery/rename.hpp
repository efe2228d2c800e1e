#pragma once
// `tetherbox rename DIR --template T`: names a folder of existing images (old shoots, any
// camera: JPEG, NEF, CR2/CR3, ARW, DNG, ...) from their EXIF with capture's naming template
// (capture/naming.hpp), the way capture names frames.
//
// A shot is the images of DIR sharing a stem (IMG_0001.CR2 + IMG_0001.JPG) with their XMP
// sidecars (IMG_0001.xmp, or IMG_0001.CR2.xmp for one image): they get one new base name and
// keep their extensions. The shot's time is the first EXIF DateTimeOriginal (then
// DateTimeDigitized) among its images, then the sidecar's; with OffsetTimeOriginal it is
// turned into UTC, without one the camera's clock is taken as written. Shots are ordered by
// that time (then by old name): {seq} is the 0-based position in that order, {req} seq + 1,
// {date}/{time} the shot's time, {session} the --session text (default: DIR's name). Fields
// of the capture plan ({ring} {az} ...) have no value here and are refused. A name two shots
// share (a template without {seq}, a burst within one second) gets "_2", "_3", ... in order.
//
// Nothing is renamed unless the whole plan is safe: a target that exists and is not one of
// the files being renamed, a TO folder on another device (rename(2) would fail with EXDEV;
// rename never copies) or a name over the limit refuses everything. Images without a usable
// date are left alone with the reason.
//
// Every rename is journaled in a log (JSON lines; names percent-encoded so a file name that
// is not UTF-8 is kept byte for byte): the plan's files first, then per rename an intent line
// made durable (fdatasync) before rename(2) and a done line after it. Renames never replace a
// file (renameat2 RENAME_NOREPLACE); when a new name is an old one of the set, every file goes
// through a hidden temporary name first. `undo_rename(LOG)` replays the log (an intent with no
// done line is resolved by which of its two names exists) and puts every file back, itself
// journaled in the same log, so an undo cut short is finished by running it again.
#include <filesystem>
#include <string>
#include <vector>

#include "tetherbox/common/result.hpp"
#include "tetherbox/common/time_utc.hpp"

namespace tb::delivery {

namespace fs = std::filesystem;

struct RenameOptions {
  std::string template_text;
  std::string session;  // {session}; "" = DIR's folder name
  fs::path to;          // "" = DIR; else the renamed files move into TO (same device)
  fs::path log;         // "" = TO-or-DIR/tetherbox-rename-<UTC>.jsonl
  bool dry_run = false;
};

struct RenameMove {
  fs::path from, to;  // absolute
};

struct RenameShot {
  std::string old_stem;
  std::string base;  // the new base name
  UtcTime time{};
  std::string time_source;  // e.g. "EXIF DateTimeOriginal+02:00 (IMG_1.CR2)"
  std::vector<RenameMove> moves;
};

struct RenameSkipped {
  fs::path file;
  std::string reason;
};

struct RenamePlan {
  fs::path dir, to;
  std::vector<RenameShot> shots;
  std::vector<RenameSkipped> skipped;
  size_t files() const;
};

struct RenameSummary {
  RenamePlan plan;
  fs::path log;        // "" on a dry run
  size_t renamed = 0;  // files moved to their new name (already named right: not counted)
};

// Scans DIR and makes the plan; touches nothing. Errors (Errc::invalid unless said): the
// template (capture's message, or a field rename has no value for), DIR or TO missing,
// TO on another device, a target that exists outside the set, a name too long.
Result<RenamePlan> plan_rename(const fs::path& dir, const RenameOptions& opt);

// plan_rename, then (unless dry_run) the renames, journaled. A rename that fails midway
// (Errc::io) is undone from the log before returning; the message says so, or says to run
// `tetherbox rename --undo LOG` when putting back failed too.
Result<RenameSummary> rename_images(const fs::path& dir, const RenameOptions& opt);

// Puts every file of the log back under its old name. Returns how many were moved.
// Errors: the log unreadable or not a rename log, a file found under none of its names, an
// old name taken by another file meanwhile (Errc::mismatch / Errc::invalid, named).
Result<size_t> undo_rename(const fs::path& log);

// Lossless text form of a file name: bytes of valid UTF-8 (except '%' and control
// characters) as they are, any other byte as %XX. decode_name(encode_name(x)) == x.
std::string encode_name(const std::string& bytes);
Result<std::string> decode_name(const std::string& text);

}  // namespace tb::delivery
