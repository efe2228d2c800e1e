#include "file_binding.hpp"

#include <algorithm>
#include <cctype>
#include <map>

namespace tb::hal::gphoto2_backend::binding {

std::string join_path(const std::string& folder, const std::string& name) {
  return folder == "/" ? "/" + name : folder + "/" + name;
}

std::pair<std::string, std::string> split_path(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return {"/", path};
  if (slash == 0) return {"/", path.substr(1)};
  return {path.substr(0, slash), path.substr(slash + 1)};
}

std::string basename_no_ext(const std::string& name) {
  auto dot = name.rfind('.');
  return dot == std::string::npos ? name : name.substr(0, dot);
}

std::string lower_ext(const std::string& name) {
  auto dot = name.rfind('.');
  std::string ext = dot == std::string::npos ? "" : name.substr(dot + 1);
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext;
}

std::string mime_for_ext(const std::string& ext) {
  static const std::map<std::string, std::string> table{
      {"jpg", "image/jpeg"},          {"jpeg", "image/jpeg"},
      {"dng", "image/x-adobe-dng"},   {"nef", "image/x-nikon-nef"},
      {"cr2", "image/x-canon-cr2"},   {"cr3", "image/x-canon-cr3"},
      {"arw", "image/x-sony-arw"},    {"raf", "image/x-fuji-raf"},
      {"orf", "image/x-olympus-orf"}, {"rw2", "image/x-panasonic-rw2"},
      {"heif", "image/heif"},         {"tif", "image/tiff"}};
  auto it = table.find(ext);
  return it == table.end() ? "application/octet-stream" : it->second;
}

bool same_frame(const std::string& a, const std::string& b) {
  const auto [fa, na] = split_path(a);
  const auto [fb, nb] = split_path(b);
  return fa == fb && basename_no_ext(na) == basename_no_ext(nb);
}

Returned classify_returned(const std::string& path, const std::set<std::string>& known) {
  return known.count(path) ? Returned::already_known : Returned::fresh;
}

std::optional<std::string> first_unknown(const std::set<std::string>& listing,
                                         const std::set<std::string>& known) {
  for (const auto& p : listing)
    if (!known.count(p)) return p;
  return std::nullopt;
}

Added classify_added(const std::string& path, const std::string& primary,
                     const std::set<std::string>& known) {
  if (known.count(path)) return Added::known;
  if (!primary.empty() && same_frame(path, primary)) return Added::companion;
  return Added::stray;
}

Recovery recover_from_listing(const std::set<std::string>& listing,
                              const std::set<std::string>& known,
                              const std::optional<std::string>& returned) {
  std::vector<std::string> fresh;
  for (const auto& p : listing)
    if (!known.count(p)) fresh.push_back(p);
  // The returned path names the frame; without it (the link dropped inside the capture call)
  // the first new file does.
  const std::string primary = returned.value_or(fresh.empty() ? "" : fresh.front());
  Recovery r;
  for (const auto& p : fresh) {
    if (!primary.empty() && same_frame(p, primary))
      r.frame_files.push_back(p);
    else
      r.strays.push_back(p);
  }
  // Primary first, so the frame's name is the one capture returned; it is delivered again even
  // when it was already downloaded (the link dropped on its companion): a frame goes whole.
  auto it = std::find(r.frame_files.begin(), r.frame_files.end(), primary);
  if (it != r.frame_files.end())
    std::rotate(r.frame_files.begin(), it, it + 1);
  else if (returned && listing.count(*returned))
    r.frame_files.insert(r.frame_files.begin(), *returned);
  return r;
}

}  // namespace tb::hal::gphoto2_backend::binding
