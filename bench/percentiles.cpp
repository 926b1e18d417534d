// Percentile math and the sampler's publishing step. Sorting happens here, after the timed
// loop, so nothing but two clock readings and a push_back sits between samples.
#include "percentiles.hpp"

#include <algorithm>
#include <cmath>

namespace sqlink::bench {

double percentile(std::span<const double> sorted, double q) {
  if (sorted.empty()) return 0;
  q = std::clamp(q, 0.0, 1.0);
  const double h = static_cast<double>(sorted.size() - 1) * q;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

Latency summarize(std::span<const std::int64_t> sample_ns, std::size_t batch) {
  Latency out;
  if (sample_ns.empty()) return out;
  const double per = static_cast<double>(batch == 0 ? 1 : batch);
  std::vector<double> sorted;
  sorted.reserve(sample_ns.size());
  for (const std::int64_t ns : sample_ns) sorted.push_back(static_cast<double>(ns) / per);
  std::sort(sorted.begin(), sorted.end());
  out.p50 = percentile(sorted, 0.50);
  out.p95 = percentile(sorted, 0.95);
  out.p99 = percentile(sorted, 0.99);
  out.p999 = percentile(sorted, 0.999);
  out.max = sorted.back();
  out.samples = sorted.size();
  return out;
}

std::string batch_label(std::size_t batch) {
  return batch > 1 ? "batched x" + std::to_string(batch) : "per call";
}

Sampler::Sampler(benchmark::State& state, std::size_t batch)
    : state_(state), batch_(batch == 0 ? 1 : batch) {
  // One sample per iteration: reserving up front keeps allocation out of the timed loop.
  samples_.reserve(static_cast<std::size_t>(state.max_iterations));
}

void Sampler::publish(const std::string& note) {
  const Latency l = summarize(samples_, batch_);
  const double values[] = {l.p50, l.p95, l.p99, l.p999, l.max};
  for (std::size_t i = 0; i < std::size(kCounterNames); ++i) {
    state_.counters[kCounterNames[i]] = benchmark::Counter(values[i]);
  }
  state_.counters["batch"] = benchmark::Counter(static_cast<double>(batch_));
  state_.counters["samples"] = benchmark::Counter(static_cast<double>(l.samples));
  std::string label = batch_label(batch_);
  if (!note.empty()) label += "; " + note;
  state_.SetLabel(label);
}

}  // namespace sqlink::bench
