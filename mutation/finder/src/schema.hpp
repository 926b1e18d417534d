// Mutant schemata: the copy of a file in which every mutant sits behind sqlink_mutate_on(ID).
// Invariants of a schema: it has exactly as many line breaks as the original plus two (the
// runtime #include and a #line directive), and with no mutant active it behaves as the original.
#pragma once

#include <string>
#include <vector>

#include "point.hpp"
#include "source_text.hpp"

namespace sqlink::finder {

// Sorts points by (begin, end descending) and drops those a schema cannot hold: points whose
// duplicated operands span lines that cannot be joined, expression points around preprocessor
// directives, and points that overlap another without nesting inside one of its operands.
// Returns how many were dropped.
unsigned prepare_points(const SourceText& text, std::vector<Point>& points);

// The schema of a file whose points went through prepare_points and were numbered.
std::string render_schema(const SourceText& text, const std::vector<Point>& points,
                          const std::string& runtime_include, const std::string& original_path);

}  // namespace sqlink::finder
