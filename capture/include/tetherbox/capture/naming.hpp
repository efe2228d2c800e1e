#pragma once
// File names from a template over the record, never from the camera's rolling DSC_0001.
// Fields: {session} {seq} {ring} {idx} {light} {ev} {az} {el} {bracket} {req} {date} {time}
// with optional fmt specs: {seq:05} {ev:+.1f} {az:03} {el:+03}. {az} and {el} are whole
// degrees under an integer spec and the exact angle under a floating one ({az:05.1f}).
// Widths and precisions are at most 64; whether a template's names are unique over a whole
// plan is proven by preflight(), which renders every one of them.
#include <memory>
#include <string>
#include <vector>

#include "tetherbox/capture/record.hpp"
#include "tetherbox/common/result.hpp"

namespace tb::capture {

class NameTemplate {
 public:
  // Errors name the unknown field or bad spec, and a template that cannot make names unique
  // (neither {seq} nor {req} nor all of {ring}/{az}/{light}/{ev} present).
  // `require_unique` false: the caller makes names unique itself (rename of old shoots gives
  // a deterministic suffix to a repeated name), so {date}_{time} alone is accepted.
  static Result<NameTemplate> parse(const std::string& text, bool require_unique = true);
  // Result is file-system safe: [A-Za-z0-9._+-] only, others become '-'.
  std::string render(const std::string& session, const FrameRecord& rec) const;
  const std::string& text() const { return text_; }
  // The field names the template uses, in order ("seq", "date", ...).
  std::vector<std::string> fields() const;
  // The name limit preflight() enforces on every rendered name.
  static constexpr size_t kMaxNameBytes = 200;

  struct Piece;

 private:
  std::string text_;
  std::shared_ptr<const std::vector<Piece>> pieces_;
};

// The rule render() applies to the whole name: [A-Za-z0-9._+-] kept, any other character
// (one per UTF-8 sequence) becomes '-', a leading '.' becomes '-'.
std::string sanitize_name(const std::string& s);

}  // namespace tb::capture
