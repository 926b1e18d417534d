// sqlink_bench: every suite of bench/ in one program. Google Benchmark's own flags apply; when
// not given, the defaults below are used (scripts/bench.py passes the same): 9 repetitions of
// 0.1 s, interleaved, so each percentile gets a median and a CV in under two minutes.
#include <benchmark/benchmark.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sqlink/version.hpp"

namespace {

// Flag name, value used when the command line does not give it. Declared once.
constexpr std::pair<std::string_view, std::string_view> kDefaults[] = {
    {"--benchmark_repetitions", "9"},
    {"--benchmark_min_time", "0.1"},
    // Repetitions of every benchmark in a random order: drift spreads over all of them.
    {"--benchmark_enable_random_interleaving", "true"},
};

bool given(int argc, char** argv, std::string_view flag) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg.starts_with(flag) && (arg.size() == flag.size() || arg[flag.size()] == '=')) {
      return true;
    }
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> extra;
  for (const auto& [flag, value] : kDefaults) {
    if (!given(argc, argv, flag)) extra.push_back(std::string(flag) + "=" + std::string(value));
  }
  std::vector<char*> args(argv, argv + argc);
  for (std::string& e : extra) args.push_back(e.data());
  int n = static_cast<int>(args.size());
  args.push_back(nullptr);

  benchmark::AddCustomContext("sqlink_version", SQLINK_VERSION_STRING);
  benchmark::Initialize(&n, args.data());
  if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 2;
  const std::size_t ran = benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return ran == 0 ? 2 : 0;  // a filter that matches nothing is a usage error
}
