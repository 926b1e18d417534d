// Durations ("30s", "15m", "2h", "7d") and sizes ("512", "64k", "1M", "1G").
// Overflow is an error, never a wrap: "18446744073709551615d" is out_of_range.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "sqlink/error.hpp"

namespace sqlink {

// DIGITS [s|m|h|d]; a bare number is seconds. Units are lower case (M would read as months).
// The result must fit std::chrono::seconds. No sign, no spaces, no fractions.
Result<std::chrono::seconds> parse_duration(std::string_view text);
// The canonical text of a duration: the largest unit that divides it ("90s", "2h", "7d").
// parse_duration(format_duration(d)) == d for every d >= 0.
std::string format_duration(std::chrono::seconds d);

// DIGITS [k|K|m|M|g|G|t|T], binary multiples (1k = 1024 bytes). The result must fit uint64.
Result<std::uint64_t> parse_size(std::string_view text);
// The canonical text of a size: the largest binary unit that divides it ("64k", "1G").
std::string format_size(std::uint64_t bytes);

}  // namespace sqlink
