// The shared registration settings: extra aggregates across repetitions, nanosecond units.
#include "suite.hpp"

#include <algorithm>
#include <vector>

namespace sqlink::bench {

benchmark::internal::Benchmark* add(const std::string& name, Body body) {
  auto* b = benchmark::RegisterBenchmark(
      name.c_str(), [body = std::move(body)](benchmark::State& state) { body(state); });
  b->Unit(benchmark::kNanosecond);
  b->ComputeStatistics("min", [](const std::vector<double>& v) {
    return v.empty() ? 0.0 : *std::min_element(v.begin(), v.end());
  });
  b->ComputeStatistics("max", [](const std::vector<double>& v) {
    return v.empty() ? 0.0 : *std::max_element(v.begin(), v.end());
  });
  return b;
}

}  // namespace sqlink::bench
