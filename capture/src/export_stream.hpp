#pragma once
// An export file written piece by piece into the bag (hashed as it goes), so an export of a
// 100 000-frame session never holds its whole text: one staged temp file, committed (atomic,
// listed in the manifest) by done().
#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

#include "storage/storage_io_detail.hpp"
#include "tetherbox/capture/storage.hpp"
#include "tetherbox/common/result.hpp"

namespace tb::capture {

class StreamedFile {
 public:
  static Result<StreamedFile> open(Bag& bag, const std::string& rel_under_data);
  // Buffered: the file sees large writes.
  Status write(std::string_view text);
  // Flushes, hashes and commits the file into the bag.
  Status done();

 private:
  StreamedFile(Bag& bag, Bag::Staged staged) : bag_(&bag), staged_(std::move(staged)) {}
  Status flush();
  Bag* bag_;
  Bag::Staged staged_;
  detail::Sha256 hash_;
  std::string buf_;
};

// A JSON document whose one array is streamed: `doc` with `key` set to a placeholder is
// dumped as the reader expects (indent 2, invalid UTF-8 replaced), and split around that
// placeholder, so each element can be written as it comes (element_text) between head and
// tail, byte for byte what dumping the whole document would give.
struct JsonFrame {
  std::string head;  // up to and including "[" (or the text before an empty array)
  std::string tail;  // from the closing "]" on
};
JsonFrame json_frame(nlohmann::json doc, const std::string& key);
// One element of the streamed array at nesting `depth` (1: a top-level key's array), with the
// separator it needs: `first` element or not.
std::string json_element(const nlohmann::json& element, int depth, bool first);
// The closing of a streamed array of `count` elements at `depth`.
std::string json_array_end(size_t count, int depth);

}  // namespace tb::capture
