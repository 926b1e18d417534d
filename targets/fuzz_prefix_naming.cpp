// Fuzz target: prefix naming through a real registry on an in-memory SQLite database.
// Input: (preferred prefix, expansion, function name) triples separated by NUL. Properties:
// every bound prefix is a valid identifier, an expansion keeps its prefix, no two expansions
// share one, and qualified names of different (prefix, name) pairs never collide (SQLite
// compares function names case-insensitively, so neither may we).
#include <sqlite3.h>

#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/fuzz_check.hpp"
#include "sqlink/prefix.hpp"

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sqlink;
  if (size > 4096) return 0;
  const std::vector<std::string> words = fuzz::split_words(data, size, 48);
  sqlite3* db = nullptr;
  if (sqlite3_open(":memory:", &db) != SQLITE_OK) std::abort();
  {
    auto registry = PrefixRegistry::open(db);
    FUZZ_CHECK(registry.ok(), registry.ok() ? "" : registry.error().message);
    std::map<std::string, std::string> prefix_of;     // expansion -> prefix
    std::map<std::string, std::string> expansion_of;  // lower(prefix) -> expansion
    std::map<std::string, std::pair<std::string, std::string>> owner_of;  // lower(qualified)
    for (std::size_t i = 0; i + 2 < words.size(); i += 3) {
      const std::string& preferred = words[i];
      const std::string& expansion = words[i + 1];
      const std::string& function = words[i + 2];
      const Declaration decl = resolve_declaration(preferred, preferred, expansion);
      FUZZ_CHECK(is_prefix_identifier(decl.preferred_prefix), decl.preferred_prefix);
      FUZZ_CHECK(decl.synthetic == !(is_prefix_identifier(preferred) && is_valid_expansion(expansion)),
                 "synthetic fallback disagrees with the rules for " + preferred);
      auto bound = registry->bind(decl.preferred_prefix, decl.expansion);
      if (!bound) {
        fuzz::check_error(bound.error());
        continue;
      }
      const std::string& prefix = bound->name;
      FUZZ_CHECK(is_prefix_identifier(prefix), "bound an invalid prefix: " + prefix);
      if (const auto known = prefix_of.find(decl.expansion); known != prefix_of.end()) {
        FUZZ_CHECK(known->second == prefix, "expansion " + decl.expansion + " changed prefix");
      }
      if (const auto owner = expansion_of.find(lower(prefix)); owner != expansion_of.end()) {
        FUZZ_CHECK(owner->second == decl.expansion, "two expansions share the prefix " + prefix);
      }
      prefix_of[decl.expansion] = prefix;
      expansion_of[lower(prefix)] = decl.expansion;
      if (function.empty()) continue;
      const auto pair = std::make_pair(lower(prefix), lower(function));
      const auto [it, fresh] = owner_of.emplace(lower(qualified_name(prefix, function)), pair);
      FUZZ_CHECK(fresh || it->second == pair,
                 "qualified name " + it->first + " from " + prefix + " + " + function + " and " +
                     it->second.first + " + " + it->second.second);
    }
  }
  sqlite3_close(db);
  return 0;
}
