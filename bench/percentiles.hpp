// Latency percentiles from per-operation samples, and the sampler every benchmark times with.
// A sample is one steady-clock reading around `batch` calls; percentiles are per call (ns).
#pragma once

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

namespace sqlink::bench {

// The q-quantile (0 <= q <= 1) of ascending, non-empty `sorted`, interpolating linearly
// between the two closest ranks (Hyndman & Fan type 7, numpy's default): rank h = (n-1)q.
double percentile(std::span<const double> sorted, double q);

// What one repetition of a benchmark reports, in nanoseconds per call.
struct Latency {
  double p50 = 0, p95 = 0, p99 = 0, p999 = 0, max = 0;
  std::size_t samples = 0;
};

// Per-call latencies from samples of `batch` calls each (sample_ns[i] / batch). Empty input
// gives all zeros; batch 0 counts as 1.
Latency summarize(std::span<const std::int64_t> sample_ns, std::size_t batch);

// The counter names the reports read, declared once: p50, p95, p99, p99.9, max.
inline constexpr const char* kCounterNames[] = {"p50", "p95", "p99", "p99.9", "max"};

// "batched x64" when one sample covers several calls, "per call" otherwise.
std::string batch_label(std::size_t batch);

// Collects one sample per benchmark iteration and publishes the percentiles as user counters
// (p50, p95, p99, p99.9, max, plus batch and samples) and the batch as the label.
class Sampler {
 public:
  using Clock = std::chrono::steady_clock;

  Sampler(benchmark::State& state, std::size_t batch);

  // Times `batch` calls of op as one sample. A result op returns is kept from the optimizer.
  template <class Op>
  void time(Op& op) {
    const Clock::time_point start = Clock::now();
    for (std::size_t i = 0; i < batch_; ++i) {
      if constexpr (std::is_void_v<std::invoke_result_t<Op&>>) {
        op();
        benchmark::ClobberMemory();
      } else {
        auto result = op();
        benchmark::DoNotOptimize(result);
      }
    }
    const Clock::time_point stop = Clock::now();
    record(stop - start);
  }

  void record(Clock::duration sample) {
    samples_.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(sample).count());
  }

  std::size_t batch() const noexcept { return batch_; }

  // Sets the counters and the label ("batched x64", then `note` if given).
  void publish(const std::string& note = {});

 private:
  benchmark::State& state_;
  std::size_t batch_;
  std::vector<std::int64_t> samples_;
};

// The common loop: every iteration is one sample of `batch` calls of op.
template <class Op>
void sample(benchmark::State& state, std::size_t batch, Op op, const std::string& note = {}) {
  Sampler sampler(state, batch);
  for (auto _ : state) sampler.time(op);
  sampler.publish(note);
}

}  // namespace sqlink::bench
