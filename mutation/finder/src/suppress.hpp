// Suppression comments in a mutated file, read from its raw text (not the AST):
//   // mutate: off [OPERATORS:] [REASON]        no points from this line until "// mutate: on"
//   // mutate: on
//   // mutate: next-line [OPERATORS:] [REASON]  no points on the next line
// OPERATORS, when given, is a comma-separated list of operator names or families at dot
// boundaries ("rel.lt.ne", "lit.int", "rel"), as for --operators; then only those mutants are
// suppressed and the others on the line stay. "next-line" means the first line below that is
// not only a // comment, so next-line comments can be stacked and a long reason can go on in
// plain comment lines (only its first line is reported). The reason is the rest of the
// comment, after an optional leading "-", "—" or ":".
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
  // The reason the mutant `op` on a point that starts on `line` is suppressed, or nothing.
  std::optional<std::string> reason_for(unsigned line, std::string_view op) const;

 private:
  struct Directive {
    std::vector<std::string> operators;  // empty: every operator
    std::string reason;
    bool covers(std::string_view op) const;
  };
  struct Region {
    unsigned first = 0;
    unsigned last = 0;  // inclusive
    Directive directive;
  };
  std::vector<Region> regions_;
  std::multimap<unsigned, Directive> next_lines_;
};

}  // namespace sqlink::finder
