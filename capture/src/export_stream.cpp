#include "export_stream.hpp"

namespace tb::capture {

namespace {

constexpr size_t kFlushAt = 1u << 20;
constexpr const char* kPlaceholder = "@@tetherbox-streamed-array@@";

std::string dump2(const nlohmann::json& j) {
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

Result<StreamedFile> StreamedFile::open(Bag& bag, const std::string& rel_under_data) {
  auto st = bag.stage(rel_under_data);
  if (!st) return st.error();
  return StreamedFile(bag, std::move(*st));
}

Status StreamedFile::write(std::string_view text) {
  if (buf_.size() + text.size() < kFlushAt) {
    buf_.append(text);
    return ok_status();
  }
  // A piece as large as the buffer goes straight to the file: appending it would hold it
  // twice (a report section of a long session is megabytes).
  TB_TRY(flush());
  if (text.size() < kFlushAt) {
    buf_.append(text);
    return ok_status();
  }
  hash_.update(text.data(), text.size());
  return staged_.file.write(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

Status StreamedFile::flush() {
  if (buf_.empty()) return ok_status();
  hash_.update(buf_.data(), buf_.size());
  TB_TRY(staged_.file.write(std::span(reinterpret_cast<const uint8_t*>(buf_.data()), buf_.size())));
  buf_.clear();
  return ok_status();
}

Status StreamedFile::done() {
  TB_TRY(flush());
  auto sha = hash_.finish();
  if (!sha) return sha.error();
  staged_.sha256 = *sha;
  std::vector<Bag::Staged> one;
  one.push_back(std::move(staged_));
  return bag_->commit(one);
}

JsonFrame json_frame(nlohmann::json doc, const std::string& key) {
  doc[key] = kPlaceholder;
  const std::string text = dump2(doc);
  const std::string marker = std::string("\"") + kPlaceholder + "\"";
  const auto at = text.find(marker);
  return {text.substr(0, at), text.substr(at + marker.size())};
}

std::string json_element(const nlohmann::json& element, int depth, bool first) {
  const std::string indent(static_cast<size_t>(2 * (depth + 1)), ' ');
  std::string out = first ? "[\n" : ",\n";
  out += indent;
  for (char c : dump2(element)) {
    out += c;
    if (c == '\n') out += indent;  // a newline inside a string is escaped: this is layout
  }
  return out;
}

std::string json_array_end(size_t count, int depth) {
  if (count == 0) return "[]";
  return "\n" + std::string(static_cast<size_t>(2 * depth), ' ') + "]";
}

}  // namespace tb::capture
