// Durations: "30s", "15m", "2h", "7d", or bare seconds; printed in the largest exact unit.
// The value must fit std::chrono::seconds (signed 64-bit), checked before any multiply.
#include <array>
#include <limits>
#include <string>

#include "sqlink/units.hpp"
#include "units/parse_number.hpp"

namespace sqlink {
namespace {

constexpr std::array<detail::UnitScale, 4> kDurationUnits = {{
    {'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}}};

}  // namespace

Result<std::chrono::seconds> parse_duration(std::string_view text) {
  constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  auto r = detail::parse_scaled(text, kDurationUnits.data(), kDurationUnits.size(), kMax,
                                "duration", "a whole number with s, m, h or d, e.g. 30s, 15m, 2h, 7d");
  if (!r) return std::move(r).error();
  return std::chrono::seconds(static_cast<std::int64_t>(*r));
}

std::string format_duration(std::chrono::seconds d) {
  const auto count = d.count();
  // mutate: next-line rel.lt.le, lit.int.one: a count of 0 gives "0s" on both paths (the loop skips 0)
  if (count < 0) return "0s";  // negative durations never come out of the parser
  for (auto it = kDurationUnits.rbegin(); it != kDurationUnits.rend(); ++it) {
    const auto factor = static_cast<std::int64_t>(it->factor);
    if (count != 0 && count % factor == 0) return std::to_string(count / factor) + it->suffix;
  }
  return std::to_string(count) + "s";
}

}  // namespace sqlink
