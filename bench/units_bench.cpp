// Durations and sizes (units.hpp): a typical value, the worst accepted input (4 KiB of leading
// zeros before the largest value that fits), and an overflow, which must be an error.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "percentiles.hpp"
#include "sqlink/limits.hpp"
#include "sqlink/units.hpp"
#include "suite.hpp"

namespace sqlink::bench {
namespace {

std::string zero_padded(const std::string& value) {
  return std::string(limits::kMaxPathBytes - value.size(), '0') + value;
}

struct Case {
  const char* name;
  bool duration;      // else a size
  std::string input;
  bool accepted;
  std::size_t batch;
};

void register_units() {
  static const Case cases[] = {
      {"units/duration/typical", true, "15m", true, 64},
      {"units/duration/worst", true, zero_padded("106751991167300d"), true, 4},
      {"units/duration/overflow", true, "18446744073709551615d", false, 16},
      {"units/size/typical", false, "64k", true, 64},
      {"units/size/worst", false, zero_padded("17179869183G"), true, 4},
      {"units/size/overflow", false, "18446744073709551615G", false, 16},
  };
  for (const Case& c : cases) {
    add(c.name, [&c](benchmark::State& state) {
      const std::string& in = c.input;
      const bool ok = c.duration ? parse_duration(in).ok() : parse_size(in).ok();
      if (ok != c.accepted) {
        std::fprintf(stderr, "sqlink_bench: %s: '%s' was %s\n", c.name, in.c_str(),
                     ok ? "accepted" : "refused");
        std::abort();
      }
      if (c.duration) {
        sample(state, c.batch, [&in] { return parse_duration(in).ok(); },
               std::to_string(in.size()) + " bytes");
      } else {
        sample(state, c.batch, [&in] { return parse_size(in).ok(); },
               std::to_string(in.size()) + " bytes");
      }
    });
  }
}

SQLINK_BENCH_SUITE(register_units);

}  // namespace
}  // namespace sqlink::bench
