// "Did you mean ...?": the nearest known word by Damerau-Levenshtein (optimal string
// alignment) distance, offered only when it is close enough to be a plausible typo.
#include <algorithm>
#include <array>

#include "sqlink/argv.hpp"

namespace sqlink {
namespace {

// Both words are at most kMaxCompared bytes, so three rows on the stack suffice: suggestions
// are computed for every unknown flag and word, so this stays free of allocations.
constexpr std::size_t kMaxCompared = 64;

std::size_t edit_distance(std::string_view a, std::string_view b) {
  const std::size_t n = a.size(), m = b.size();
  std::array<std::size_t, kMaxCompared + 1> before{}, prev{}, cur{};
  // mutate: next-line lit.int.one: prev[0] is already 0 from its value-initialisation
  for (std::size_t j = 0; j <= m; ++j) prev[j] = j;
  for (std::size_t i = 1; i <= n; ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= m; ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      // mutate: next-line rel.gt.ne: i and j count up from 1, so != 1 and > 1 agree for both
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        cur[j] = std::min(cur[j], before[j - 2] + 1);
      }
    }
    before = prev;
    prev = cur;
  }
  return prev[m];
}

}  // namespace

std::optional<std::string> nearest(std::string_view word, std::span<const std::string_view> candidates) {
  // Typos are short; comparing a huge input against every flag would only waste time.
  if (word.empty() || word.size() > kMaxCompared) return std::nullopt;
  std::optional<std::string> best;
  // mutate: next-line lit.int.one: read only once best is set, and setting best sets it
  std::size_t best_distance = 0;
  for (const auto candidate : candidates) {
    if (candidate.size() > kMaxCompared) continue;
    const std::size_t dist = edit_distance(word, candidate);
    // Up to a third of the longer word may differ, and always at least one edit.
    const std::size_t allowed = std::max<std::size_t>(1, std::max(word.size(), candidate.size()) / 3);
    if (dist <= allowed && (!best || dist < best_distance)) {
      best = std::string(candidate);
      best_distance = dist;
    }
  }
  return best;
}

}  // namespace sqlink
