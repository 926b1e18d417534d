// Suppression comments in a mutated file, read from its raw text (not the AST):
//   // mutate: off [REASON]        no points from this line until "// mutate: on"
//   // mutate: on
//   // mutate: next-line [REASON]  no points on the next line
// The reason is the rest of the comment, after an optional leading "-", "—" or ":".
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "source_text.hpp"

namespace sqlink::finder {

class Suppressions {
 public:
  // Malformed "mutate:" comments are reported in `warnings` as "N: warning: message".
  Suppressions(const SourceText& text, std::vector<std::string>& warnings);
  // The reason a point that starts on `line` is suppressed, or nothing if it is not.
  std::optional<std::string> reason_for(unsigned line) const;

 private:
  struct Region {
    unsigned first = 0;
    unsigned last = 0;  // inclusive
    std::string reason;
  };
  std::vector<Region> regions_;
  std::map<unsigned, std::string> next_lines_;
};

}  // namespace sqlink::finder
