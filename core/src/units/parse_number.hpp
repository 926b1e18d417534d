// Shared by durations and sizes: DIGITS followed by at most one unit letter, checked multiply.
// Private to the core; every overflow is reported, never wrapped.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "sqlink/error.hpp"

namespace sqlink::detail {

struct UnitScale {
  char suffix;
  std::uint64_t factor;
};

// Parses "DIGITS[suffix]" where suffix is one of `units` (or absent: factor 1), and returns
// digits * factor if it is <= max. `what` names the grammar in messages ("duration", "size"),
// `forms` lists examples of valid input for the message.
Result<std::uint64_t> parse_scaled(std::string_view text, const UnitScale* units,
                                   std::size_t n_units, std::uint64_t max, std::string_view what,
                                   std::string_view forms);

}  // namespace sqlink::detail
