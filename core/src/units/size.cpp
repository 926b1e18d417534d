// Sizes: "512", "64k", "1M", "1G", "2T" (binary multiples); printed in the largest exact unit.
// The value must fit uint64, checked before any multiply.
#include <array>
#include <limits>
#include <string>

#include "sqlink/units.hpp"
#include "units/parse_number.hpp"

namespace sqlink {
namespace {

constexpr std::uint64_t kKiB = 1024;
constexpr std::array<detail::UnitScale, 8> kSizeUnits = {{
    {'k', kKiB}, {'K', kKiB},
    {'m', kKiB * kKiB}, {'M', kKiB * kKiB},
    {'g', kKiB * kKiB * kKiB}, {'G', kKiB * kKiB * kKiB},
    {'t', kKiB * kKiB * kKiB * kKiB}, {'T', kKiB * kKiB * kKiB * kKiB}}};
// Printing uses one spelling per unit, the conventional one.
constexpr std::array<detail::UnitScale, 4> kPrintUnits = {{
    {'T', kKiB * kKiB * kKiB * kKiB}, {'G', kKiB * kKiB * kKiB}, {'M', kKiB * kKiB}, {'k', kKiB}}};

}  // namespace

Result<std::uint64_t> parse_size(std::string_view text) {
  return detail::parse_scaled(text, kSizeUnits.data(), kSizeUnits.size(),
                              std::numeric_limits<std::uint64_t>::max(), "size",
                              "a whole number of bytes, optionally with k, M, G or T, e.g. 512, 64k, 1M, 1G");
}

std::string format_size(std::uint64_t bytes) {
  for (const auto& unit : kPrintUnits) {
    if (bytes != 0 && bytes % unit.factor == 0) return std::to_string(bytes / unit.factor) + unit.suffix;
  }
  return std::to_string(bytes);
}

}  // namespace sqlink
