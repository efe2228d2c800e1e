// Bag verification: re-hash every file a manifest lists, and list every payload file no
// manifest lists. Nothing is ignored: a leftover temp file is an extra file, a torn manifest
// line is a problem. This is what tells a user whether a copied/synced dataset is intact.
#include <fstream>
#include <iterator>
#include <set>

#include "storage_io_detail.hpp"
#include "tetherbox/capture/storage.hpp"

namespace tb::capture {

namespace {

struct Listed {
  std::string path;
  std::string sha256;
};

// Reads a manifest; malformed lines, duplicates and a missing final newline are problems.
std::vector<Listed> read_manifest(const fs::path& file, const std::string& name,
                                  VerifyReport& rep) {
  std::vector<Listed> out;
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    rep.problems.push_back(name + " cannot be read");
    return out;
  }
  const std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!all.empty() && all.back() != '\n')
    rep.problems.push_back(name + ": last line has no newline (file truncated?)");
  std::set<std::string> seen;
  size_t pos = 0;
  int lineno = 0;
  while (pos < all.size()) {
    size_t nl = all.find('\n', pos);
    if (nl == std::string::npos) nl = all.size();
    std::string line = all.substr(pos, nl - pos);
    pos = nl + 1;
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    Listed l;
    if (!detail::parse_manifest_line(line, &l.sha256, &l.path)) {
      rep.problems.push_back(fmt::format("{}:{}: malformed line '{}'", name, lineno, line));
      continue;
    }
    const fs::path p(l.path);
    bool escapes = p.is_absolute();
    for (const auto& part : p)
      if (part == "..") escapes = true;
    if (escapes) {
      rep.problems.push_back(fmt::format("{}:{}: path '{}' leaves the bag", name, lineno, l.path));
      continue;
    }
    if (!seen.insert(l.path).second) {
      rep.problems.push_back(fmt::format("{}:{}: '{}' listed twice", name, lineno, l.path));
      continue;
    }
    out.push_back(std::move(l));
  }
  return out;
}

Status check_listed(const fs::path& bag_dir, const std::vector<Listed>& listed, VerifyReport& rep) {
  for (const auto& l : listed) {
    const fs::path p = bag_dir / l.path;
    std::error_code ec;
    if (!fs::is_regular_file(p, ec)) {
      rep.missing.push_back(l.path);
      continue;
    }
    auto sha = sha256_file(p);
    if (!sha) return sha.error();
    ++rep.files_checked;
    rep.bytes_checked += fs::file_size(p, ec);
    if (*sha != l.sha256) rep.changed.push_back(l.path);
  }
  return ok_status();
}

// Payload-Oxum "<bytes>.<count>" from bag-info.txt, if present, against the manifest.
void check_oxum(const fs::path& bag_dir, const std::vector<Listed>& payload, VerifyReport& rep) {
  std::ifstream in(bag_dir / "bag-info.txt");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("Payload-Oxum:", 0) != 0) continue;
    unsigned long long bytes = 0, count = 0;
    if (std::sscanf(line.c_str(), "Payload-Oxum: %llu.%llu", &bytes, &count) != 2) {
      rep.problems.push_back("bag-info.txt: malformed Payload-Oxum '" + line + "'");
      return;
    }
    uint64_t actual = 0;
    for (const auto& l : payload) {
      std::error_code ec;
      const auto s = fs::file_size(bag_dir / l.path, ec);
      if (!ec) actual += s;
    }
    if (bytes != actual || count != payload.size())
      rep.problems.push_back(fmt::format("Payload-Oxum {}.{} but the payload is {}.{}", bytes,
                                         count, actual, payload.size()));
    return;
  }
}

}  // namespace

Result<VerifyReport> verify_bag(const fs::path& bag_dir) {
  if (!fs::is_directory(bag_dir))
    return make_error(Errc::not_found, "bag {} not found", bag_dir.string());
  VerifyReport rep;

  {
    std::ifstream in(bag_dir / "bagit.txt");
    std::string first;
    if (!in)
      rep.problems.push_back("bagit.txt missing");
    else if (!std::getline(in, first) || first.rfind("BagIt-Version: ", 0) != 0)
      rep.problems.push_back("bagit.txt does not start with 'BagIt-Version: '");
  }

  std::vector<Listed> payload;
  if (fs::exists(bag_dir / "manifest-sha256.txt")) {
    payload = read_manifest(bag_dir / "manifest-sha256.txt", "manifest-sha256.txt", rep);
    for (const auto& l : payload)
      if (l.path.rfind("data/", 0) != 0)
        rep.problems.push_back("manifest-sha256.txt lists '" + l.path + "' outside data/");
  } else {
    rep.problems.push_back("manifest-sha256.txt missing");
  }
  TB_TRY(check_listed(bag_dir, payload, rep));

  std::vector<Listed> tags;
  const bool has_tagmanifest = fs::exists(bag_dir / "tagmanifest-sha256.txt");
  if (has_tagmanifest) {
    tags = read_manifest(bag_dir / "tagmanifest-sha256.txt", "tagmanifest-sha256.txt", rep);
    TB_TRY(check_listed(bag_dir, tags, rep));
  } else {
    rep.problems.push_back("tagmanifest-sha256.txt missing (bag not finalized)");
  }
  check_oxum(bag_dir, payload, rep);

  std::set<std::string> known;
  for (const auto& l : payload) known.insert(l.path);
  for (const auto& l : tags) known.insert(l.path);

  std::error_code ec;
  const fs::path data = bag_dir / "data";
  if (!fs::is_directory(data)) rep.problems.push_back("data/ missing");
  for (auto it = fs::recursive_directory_iterator(data, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_directory(ec)) continue;
    const std::string rel = "data/" + it->path().lexically_relative(data).generic_string();
    if (!known.count(rel)) rep.extra.push_back(rel);
  }
  if (ec) return make_error(Errc::io, "cannot list {}: {}", data.string(), ec.message());
  // Tag files: once a tagmanifest exists, any other file in the bag root is unaccounted for.
  if (has_tagmanifest) {
    for (const auto& e : fs::directory_iterator(bag_dir, ec)) {
      if (e.is_directory()) continue;
      const std::string n = e.path().filename().string();
      if (n == "tagmanifest-sha256.txt" || known.count(n)) continue;
      rep.extra.push_back(n);
    }
  }
  return rep;
}

}  // namespace tb::capture
