// The raw text of a mutated file as the finder needs it beyond the AST: lines, comments, and
// what cannot be joined onto one line. Schemata copy an operand once per mutant; every copy but
// the original one is put on a single line so line numbers in the schema stay the original's.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "point.hpp"

namespace sqlink::finder {

struct Comment {
  Span span;          // from the first '/' to the end ('\n' not included)
  bool line = false;  // a // comment
};

class SourceText {
 public:
  explicit SourceText(std::string bytes);

  const std::string& bytes() const { return bytes_; }
  std::string_view text(Span span) const {
    return std::string_view(bytes_).substr(span.begin, span.end - span.begin);
  }
  // 1-based line and byte column of an offset.
  std::pair<unsigned, unsigned> line_column(unsigned offset) const;
  unsigned line_count() const { return static_cast<unsigned>(line_starts_.size()); }
  const std::vector<Comment>& comments() const { return comments_; }

  // A line continuation, or a raw string literal with a line break, inside the span: such text
  // cannot be put on one line without changing its meaning.
  bool has_line_hazard(Span span) const;
  // A preprocessor directive starts inside the span.
  bool has_directive(Span span) const;
  // The span on one line: each comment becomes a space, each line break a space.
  std::string flattened(Span span) const;

 private:
  void scan();
  static bool any_in(const std::vector<unsigned>& sorted, Span span);

  std::string bytes_;
  std::vector<unsigned> line_starts_;
  std::vector<Comment> comments_;
  std::vector<unsigned> hazards_;     // offsets of unjoinable line breaks
  std::vector<unsigned> directives_;  // offsets of the '#' of each directive
};

}  // namespace sqlink::finder
