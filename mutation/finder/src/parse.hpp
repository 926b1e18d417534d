// Parsing one translation unit with Clang and collecting the points of the mutated files it
// contains. Each call is independent (own file system view, own diagnostics), so translation
// units can be parsed on several threads at once.
#pragma once

#include <string>
#include <vector>

#include "operators.hpp"
#include "point.hpp"

namespace clang::tooling {
class CompilationDatabase;
}

namespace sqlink::finder {

struct FoundFile {
  bool present = false;  // the translation unit contains this file
  std::string bytes;     // its text as parsed
  std::vector<Point> points;
};

struct ParseOutcome {
  bool parsed = false;      // no errors: the points can be trusted
  std::string diagnostics;  // as Clang printed them
  std::string first_error;  // "file:line:col: message"
  std::vector<FoundFile> files;  // parallel to the `wanted` list
};

// `wanted` holds real paths of the files to mutate.
ParseOutcome parse_translation_unit(const clang::tooling::CompilationDatabase& database,
                                    const std::string& translation_unit,
                                    const std::vector<std::string>& wanted,
                                    const OperatorSet& operators, const std::string& resource_dir);

}  // namespace sqlink::finder
