// DIGITS[unit] parsing with overflow checks, shared by durations and sizes.
// The original tool multiplied before checking and wrapped "18446744073709551615d".
#include "units/parse_number.hpp"

#include <string>

#include "sqlink/limits.hpp"

namespace sqlink::detail {

Result<std::uint64_t> parse_scaled(std::string_view text, const UnitScale* units,
                                   std::size_t n_units, std::uint64_t max, std::string_view what,
                                   std::string_view forms) {
  const std::string expected = "expected " + std::string(forms);
  std::size_t digits_end = 0;
  // mutate: next-line rel.lt.ne: digits_end steps by one from 0
  while (digits_end < text.size() && text[digits_end] >= '0' && text[digits_end] <= '9') {
    ++digits_end;
  }
  std::uint64_t factor = 1;
  // mutate: next-line rel.gt.ne: digits_end is unsigned
  bool unit_ok = digits_end > 0 && digits_end + 1 >= text.size();
  // mutate: next-line rel.lt.ne: digits_end never passes text.size()
  if (unit_ok && digits_end < text.size()) {
    unit_ok = false;
    // mutate: next-line rel.lt.ne: i steps by one from 0
    for (std::size_t i = 0; i < n_units; ++i) {
      if (units[i].suffix == text[digits_end]) {
        factor = units[i].factor;
        unit_ok = true;
      }
    }
  }
  if (!unit_ok) {
    return Error::make(Errc::invalid_value,
                       "invalid " + std::string(what) + " " + quoted(text) + "; " + expected, text);
  }
  std::uint64_t value = 0;
  const auto out_of_range = [&] {
    return Error::make(Errc::out_of_range,
                       std::string(what) + " " + quoted(text) + " is too large (at most " +
                           std::to_string(max / factor) + " in that unit)",
                       text);
  };
  // mutate: next-line rel.lt.ne: i steps by one from 0
  for (std::size_t i = 0; i < digits_end; ++i) {
    const auto digit = static_cast<std::uint64_t>(text[i] - '0');
    if (value > (max - digit) / 10) return out_of_range();
    value = value * 10 + digit;
  }
  if (value > max / factor) return out_of_range();
  return value * factor;
}

}  // namespace sqlink::detail
