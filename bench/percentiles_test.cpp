// The percentile math of percentiles.hpp against values worked out by hand (and matching
// numpy.percentile's default, linear interpolation between closest ranks).
#include "percentiles.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace sqlink::bench {
namespace {

TEST(Percentile, InterpolatesBetweenClosestRanks) {
  const std::vector<double> v = {1, 2, 3, 4};  // rank h = 3q
  EXPECT_DOUBLE_EQ(percentile(v, 0.0), 1.0);
  EXPECT_DOUBLE_EQ(percentile(v, 0.5), 2.5);   // h = 1.5
  EXPECT_DOUBLE_EQ(percentile(v, 0.25), 1.75);  // h = 0.75
  EXPECT_DOUBLE_EQ(percentile(v, 0.95), 3.85);  // h = 2.85
  EXPECT_DOUBLE_EQ(percentile(v, 1.0), 4.0);
}

TEST(Percentile, OneToHundred) {
  std::vector<double> v;
  for (int i = 1; i <= 100; ++i) v.push_back(i);  // rank h = 99q, value h + 1
  EXPECT_DOUBLE_EQ(percentile(v, 0.50), 50.5);
  EXPECT_NEAR(percentile(v, 0.95), 95.05, 1e-9);
  EXPECT_NEAR(percentile(v, 0.99), 99.01, 1e-9);
  EXPECT_NEAR(percentile(v, 0.999), 99.901, 1e-9);
}

TEST(Percentile, SingleSampleAndEmptyAndClamping) {
  const std::vector<double> one = {7};
  EXPECT_DOUBLE_EQ(percentile(one, 0.99), 7.0);
  EXPECT_DOUBLE_EQ(percentile(std::vector<double>{}, 0.5), 0.0);
  const std::vector<double> v = {1, 9};
  EXPECT_DOUBLE_EQ(percentile(v, -1.0), 1.0);
  EXPECT_DOUBLE_EQ(percentile(v, 2.0), 9.0);
}

TEST(Summarize, SortsAndDividesByTheBatch) {
  // Unsorted samples of 10 calls each: per call 100, 300, 200, 500, 400 ns.
  const std::vector<std::int64_t> ns = {1000, 3000, 2000, 5000, 4000};
  const Latency l = summarize(ns, 10);
  EXPECT_EQ(l.samples, 5u);
  EXPECT_DOUBLE_EQ(l.p50, 300.0);
  EXPECT_DOUBLE_EQ(l.p95, 480.0);   // h = 3.8: 400 + 0.8 * 100
  EXPECT_DOUBLE_EQ(l.p99, 496.0);   // h = 3.96
  EXPECT_DOUBLE_EQ(l.p999, 499.6);  // h = 3.996
  EXPECT_DOUBLE_EQ(l.max, 500.0);
}

TEST(Summarize, OneOutlierInAThousandShowsAtP999NotP99) {
  std::vector<std::int64_t> ns(1000, 100);
  ns[123] = 1'000'000;
  const Latency l = summarize(ns, 1);
  EXPECT_DOUBLE_EQ(l.p50, 100.0);
  EXPECT_DOUBLE_EQ(l.p99, 100.0);
  // h = 999 * 0.999 = 998.001: 0.001 of the way from 100 to 1e6.
  EXPECT_NEAR(l.p999, 100.0 + 0.001 * (1'000'000 - 100), 1e-6);
  EXPECT_DOUBLE_EQ(l.max, 1'000'000.0);
}

TEST(Summarize, EmptyAndZeroBatch) {
  const Latency empty = summarize({}, 8);
  EXPECT_EQ(empty.samples, 0u);
  EXPECT_DOUBLE_EQ(empty.max, 0.0);
  const std::vector<std::int64_t> ns = {40};
  EXPECT_DOUBLE_EQ(summarize(ns, 0).p50, 40.0);  // batch 0 counts as 1
}

TEST(BatchLabel, SaysWhenSamplesAreBatched) {
  EXPECT_EQ(batch_label(1), "per call");
  EXPECT_EQ(batch_label(64), "batched x64");
}

}  // namespace
}  // namespace sqlink::bench
