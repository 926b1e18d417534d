// From points to mutants: suppression comments applied, ids numbered, keys computed.
// Ids are dense (1..N) over the whole run: files by path, then begin offset, end offset
// descending (outer before inner), operator name. Keys ignore line numbers so unrelated edits
// above a mutant keep its key.
#pragma once

#include <string>
#include <vector>

#include "point.hpp"
#include "source_text.hpp"

namespace sqlink::finder {

struct FilePlan {
  std::string path;           // relative to ROOT
  std::string tu;             // the translation unit it was found in, relative to ROOT
  std::string absolute_path;  // as the compiler names it
  std::string sha256;         // of the original bytes
  SourceText text;
  std::vector<Point> points;  // schema-ready, numbered
  std::vector<Mutant> mutants;
  std::vector<SuppressedMutant> suppressed;
  std::vector<std::string> warnings;  // malformed suppression comments
  unsigned dropped = 0;               // points a schema could not hold
};

// Deduplicates the candidates, applies suppression comments and prepares the schema points.
FilePlan plan_file(std::string path, std::string tu, std::string absolute_path, std::string bytes,
                   std::vector<Point> candidates);

// Numbers the mutants of all files (sorted by path first) and fills FilePlan::mutants.
void number_mutants(std::vector<FilePlan>& files);

std::string sha256_hex(std::string_view bytes);

}  // namespace sqlink::finder
