// points.json: the finder's output contract with the mutation driver (version 1).
#pragma once

#include <string>
#include <vector>

#include "mutants.hpp"

namespace sqlink::finder {

struct RunError {
  std::string tu;       // relative to ROOT; empty when the error concerns a file, not a TU
  std::string file;     // relative to ROOT, or empty
  std::string message;
};

struct Report {
  std::string root;
  std::string runtime_include;
  const std::vector<FilePlan>* files = nullptr;  // numbered, sorted by path
  std::vector<RunError> errors;
};

// One object per line inside each array, so the file diffs well and stays greppable.
std::string points_json(const Report& report);

// A JSON string literal; bytes that are not UTF-8 become U+FFFD.
std::string json_string(std::string_view text);

}  // namespace sqlink::finder
