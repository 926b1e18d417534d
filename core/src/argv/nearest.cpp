// "Did you mean ...?": the nearest known word by Damerau-Levenshtein (optimal string
// alignment) distance, offered only when it is close enough to be a plausible typo.
#include <algorithm>
#include <vector>

#include "sqlink/argv.hpp"

namespace sqlink {
namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  const std::size_t n = a.size(), m = b.size();
  std::vector<std::vector<std::size_t>> d(n + 1, std::vector<std::size_t>(m + 1));
  for (std::size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= m; ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= n; ++i) {
    for (std::size_t j = 1; j <= m; ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[n][m];
}

}  // namespace

std::optional<std::string> nearest(std::string_view word, std::span<const std::string_view> candidates) {
  // Typos are short; comparing a huge input against every flag would only waste time.
  constexpr std::size_t kMaxCompared = 64;
  if (word.empty() || word.size() > kMaxCompared) return std::nullopt;
  std::optional<std::string> best;
  std::size_t best_distance = 0;
  for (const auto candidate : candidates) {
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
