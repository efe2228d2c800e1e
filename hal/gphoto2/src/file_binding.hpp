#pragma once
// Which files on the card belong to the request being captured: pure decisions over card paths,
// the event stream and card listings, so they are unit-tested on synthetic sequences (Sony's
// off-by-one capture path, RAW+JPEG pairs, events lost in an unplug) without a body.
//
// "known" is every card path that must never bind to a new request: what was on the card at
// open, what was delivered, and strays.
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace tb::hal::gphoto2_backend::binding {

std::string join_path(const std::string& folder, const std::string& name);
std::pair<std::string, std::string> split_path(const std::string& path);  // {folder, name}
std::string basename_no_ext(const std::string& name);
std::string lower_ext(const std::string& name);
std::string mime_for_ext(const std::string& ext);  // "application/octet-stream" when unknown

// Two files of one frame: same folder, same name up to the extension (DSC_0042.NEF/.JPG).
bool same_frame(const std::string& a, const std::string& b);

// What gp_camera_capture returned. Some bodies (Sony, some Canon) return the previous frame's
// file: then the new primary is the first file of `listing` not yet known (nullopt: none yet,
// poll again).
enum class Returned { fresh, already_known };
Returned classify_returned(const std::string& path, const std::set<std::string>& known);
std::optional<std::string> first_unknown(const std::set<std::string>& listing,
                                         const std::set<std::string>& known);

// A GP_EVENT_FILE_ADDED while a frame is being delivered.
enum class Added {
  known,      // seen before (an event repeated, or our own download)
  companion,  // the other half of the frame (RAW+JPEG): download it with the frame
  stray,      // another shot (the body's own shutter button): never bound; note it
};
Added classify_added(const std::string& path, const std::string& primary,
                     const std::set<std::string>& known);

// After a reconnect: what the body wrote while the link was down, from a card listing.
struct Recovery {
  std::vector<std::string> frame_files;  // the cut-short frame's files, primary first
  std::vector<std::string> strays;       // other new files: never bound
};
// `returned`: the path gp_camera_capture gave before the link dropped, if it returned.
Recovery recover_from_listing(const std::set<std::string>& listing,
                              const std::set<std::string>& known,
                              const std::optional<std::string>& returned);

}  // namespace tb::hal::gphoto2_backend::binding
