// The timer's own cost: a sample around an empty region. Every other op's samples include
// this much, once per sample (so 1/batch of it per call for a batched op).
#include "percentiles.hpp"
#include "suite.hpp"

namespace sqlink::bench {
namespace {

void register_timer() {
  add("timer/empty", [](benchmark::State& state) {
    sample(state, 1, [] {}, "two steady_clock readings around nothing");
  });
}

SQLINK_BENCH_SUITE(register_timer);

}  // namespace
}  // namespace sqlink::bench
