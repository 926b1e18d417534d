// Fuzz target: durations and sizes, checked against a reference implementation that uses
// 128-bit arithmetic (so it cannot overflow where the real one must detect overflow).
// Properties: same verdict, same value, same error code; accepted values print and re-parse.
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include "common/fuzz_check.hpp"
#include "sqlink/units.hpp"

namespace {

__extension__ typedef unsigned __int128 u128;  // GNU extension; -Wpedantic otherwise objects

struct RefResult {
  sqlink::Errc code = sqlink::Errc::ok;
  std::uint64_t value = 0;
};

// DIGITS [unit]: exactly the grammar of units.hpp, computed the slow obvious way.
RefResult reference(const std::string& s, const std::string& units, const std::uint64_t* factors,
                    std::uint64_t max) {
  std::size_t i = 0;
  u128 value = 0;
  // Above every valid value, and low enough that cap * 2^40 (the largest unit) fits in u128.
  const u128 cap = u128(1) << 65;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
    value = value * 10 + static_cast<unsigned>(s[i] - '0');
    if (value > cap) value = cap;
    ++i;
  }
  if (i == 0) return {sqlink::Errc::invalid_value, 0};
  u128 factor = 1;
  if (i < s.size()) {
    const auto pos = units.find(s[i]);
    if (i + 1 != s.size() || pos == std::string::npos) return {sqlink::Errc::invalid_value, 0};
    factor = factors[pos];
  }
  const u128 total = value * factor;
  if (total > max) return {sqlink::Errc::out_of_range, 0};
  return {sqlink::Errc::ok, static_cast<std::uint64_t>(total)};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sqlink;
  if (size > 256) return 0;  // longer inputs exercise nothing new
  const std::string text(reinterpret_cast<const char*>(data), size);

  static const std::uint64_t kDurationFactors[] = {1, 60, 3600, 86400};
  const RefResult d_ref = reference(text, "smhd", kDurationFactors,
                                    static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()));
  auto d = parse_duration(text);
  if (d) {
    FUZZ_CHECK(d_ref.code == Errc::ok, "duration accepted, reference refused: " + text);
    FUZZ_CHECK(static_cast<std::uint64_t>(d->count()) == d_ref.value, "duration value differs: " + text);
    auto back = parse_duration(format_duration(*d));
    FUZZ_CHECK(back.ok() && *back == *d, "duration does not round-trip: " + text);
  } else {
    fuzz::check_error(d.error());
    FUZZ_CHECK(d.error().code == d_ref.code, "duration error code differs: " + text);
  }

  constexpr std::uint64_t k = 1024;
  static const std::uint64_t kSizeFactors[] = {k, k, k * k, k * k, k * k * k, k * k * k,
                                               k * k * k * k, k * k * k * k};
  const RefResult s_ref = reference(text, "kKmMgGtT", kSizeFactors, std::numeric_limits<std::uint64_t>::max());
  auto s = parse_size(text);
  if (s) {
    FUZZ_CHECK(s_ref.code == Errc::ok, "size accepted, reference refused: " + text);
    FUZZ_CHECK(*s == s_ref.value, "size value differs: " + text);
    auto back = parse_size(format_size(*s));
    FUZZ_CHECK(back.ok() && *back == *s, "size does not round-trip: " + text);
  } else {
    fuzz::check_error(s.error());
    FUZZ_CHECK(s.error().code == s_ref.code, "size error code differs: " + text);
  }
  return 0;
}
