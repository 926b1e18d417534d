// How the suites register their benchmarks: one name per op ("group/op/case") and the settings
// every benchmark shares. main.cpp runs them; percentiles.hpp times them.
#pragma once

#include <benchmark/benchmark.h>

#include <functional>
#include <string>

namespace sqlink::bench {

using Body = std::function<void(benchmark::State&)>;

// Registers `body` under `name`, with the aggregates every benchmark reports across
// repetitions: Google Benchmark's mean, median, stddev and cv, plus min and max.
benchmark::internal::Benchmark* add(const std::string& name, Body body);

// Registers at static-initialisation time: `SQLINK_BENCH_SUITE(fn)` runs fn() once before main.
#define SQLINK_BENCH_CONCAT2(a, b) a##b
#define SQLINK_BENCH_CONCAT(a, b) SQLINK_BENCH_CONCAT2(a, b)
#define SQLINK_BENCH_SUITE(fn)                                                         \
  [[maybe_unused]] static const bool SQLINK_BENCH_CONCAT(sqlink_bench_registered_, \
                                                         __LINE__) = ((fn)(), true)

}  // namespace sqlink::bench
