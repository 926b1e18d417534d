// Durations and sizes: valid forms, every error path, overflow, and print/parse round trips.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>

#include "sqlink/units.hpp"
#include "units/parse_number.hpp"

namespace sqlink {
namespace {

using std::chrono::seconds;

TEST(Duration, ParsesEveryUnitAndBareSeconds) {
  EXPECT_EQ(*parse_duration("30s"), seconds(30));
  EXPECT_EQ(*parse_duration("15m"), seconds(900));
  EXPECT_EQ(*parse_duration("2h"), seconds(7200));
  EXPECT_EQ(*parse_duration("7d"), seconds(604800));
  EXPECT_EQ(*parse_duration("45"), seconds(45));
  EXPECT_EQ(*parse_duration("0s"), seconds(0));
  EXPECT_EQ(*parse_duration("007m"), seconds(420));
}

TEST(Duration, RejectsMalformedInputNamingIt) {
  for (const char* bad : {"", "s", "30x", "30S", "30M", "-5s", "+5s", " 5s", "5s ", "5.5s", "5ss",
                          "1h30m", "0x10", "5 s"}) {
    auto r = parse_duration(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, Errc::invalid_value) << bad;
    EXPECT_NE(r.error().message.find(quoted(bad)), std::string::npos) << r.error().message;
  }
}

TEST(Duration, OverflowIsAnErrorNotAWrap) {
  // The original tool crashed on this one.
  auto r = parse_duration("18446744073709551615d");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::out_of_range);
  EXPECT_NE(r.error().message.find("'18446744073709551615d'"), std::string::npos);
  EXPECT_EQ(parse_duration("99999999999999999999999999s").error().code, Errc::out_of_range);
  // The largest representable values are accepted, one more is not.
  EXPECT_EQ(*parse_duration("9223372036854775807"), seconds(std::numeric_limits<std::int64_t>::max()));
  EXPECT_EQ(parse_duration("9223372036854775808").error().code, Errc::out_of_range);
  EXPECT_EQ(*parse_duration("106751991167300d"), seconds(106751991167300LL * 86400));
  EXPECT_EQ(parse_duration("106751991167301d").error().code, Errc::out_of_range);
}

TEST(Duration, ControlBytesAreEscapedInTheMessage) {
  auto r = parse_duration("5\x1b");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message.find('\x1b'), std::string::npos);
  EXPECT_NE(r.error().message.find("\\x1b"), std::string::npos);
}

TEST(Duration, FormatPicksTheLargestExactUnit) {
  EXPECT_EQ(format_duration(seconds(0)), "0s");
  EXPECT_EQ(format_duration(seconds(59)), "59s");
  EXPECT_EQ(format_duration(seconds(60)), "1m");
  EXPECT_EQ(format_duration(seconds(90)), "90s");
  EXPECT_EQ(format_duration(seconds(7200)), "2h");
  EXPECT_EQ(format_duration(seconds(86400 * 7)), "7d");
  EXPECT_EQ(format_duration(seconds(86400 + 3600)), "25h");
  // Nothing negative is ever printed: the parser takes no sign, so the text stays parseable.
  EXPECT_EQ(format_duration(seconds(-60)), "0s");
  EXPECT_EQ(format_duration(seconds(-5)), "0s");
}

TEST(Duration, RoundTripsAcrossTheRange) {
  std::mt19937_64 rng(42);
  for (int i = 0; i < 20000; ++i) {
    const auto v = static_cast<std::int64_t>(rng() >> (rng() % 64));
    const seconds d(v < 0 ? -v : v);
    auto back = parse_duration(format_duration(d));
    ASSERT_TRUE(back.ok()) << format_duration(d);
    EXPECT_EQ(*back, d);
  }
  const seconds max(std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(*parse_duration(format_duration(max)), max);
}

TEST(Size, ParsesBinaryUnitsInEitherCase) {
  EXPECT_EQ(*parse_size("512"), 512u);
  EXPECT_EQ(*parse_size("64k"), 65536u);
  EXPECT_EQ(*parse_size("64K"), 65536u);
  EXPECT_EQ(*parse_size("1M"), 1048576u);
  EXPECT_EQ(*parse_size("1m"), 1048576u);
  EXPECT_EQ(*parse_size("1G"), 1073741824u);
  EXPECT_EQ(*parse_size("2T"), 2ull << 40);
  EXPECT_EQ(*parse_size("0"), 0u);
}

TEST(Size, RejectsMalformedInput) {
  for (const char* bad : {"", "k", "1KB", "1KiB", "1.5M", "-1", "1 k", "1x", "0x10", "1e3"}) {
    auto r = parse_size(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, Errc::invalid_value) << bad;
    EXPECT_NE(r.error().message.find(quoted(bad)), std::string::npos);
  }
}

TEST(Size, OverflowIsAnError) {
  EXPECT_EQ(*parse_size("18446744073709551615"), std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(parse_size("18446744073709551616").error().code, Errc::out_of_range);
  EXPECT_EQ(parse_size("99999999999999999999").error().code, Errc::out_of_range);
  EXPECT_EQ(*parse_size("16777215T"), 16777215ull << 40);
  EXPECT_EQ(parse_size("16777216T").error().code, Errc::out_of_range);
  EXPECT_EQ(parse_size("17179869184G").error().code, Errc::out_of_range);
}

TEST(Size, FormatAndRoundTrip) {
  EXPECT_EQ(format_size(0), "0");
  EXPECT_EQ(format_size(1000), "1000");
  EXPECT_EQ(format_size(1024), "1k");
  EXPECT_EQ(format_size(1536), "1536");
  EXPECT_EQ(format_size(3ull << 20), "3M");
  EXPECT_EQ(format_size(1ull << 30), "1G");
  EXPECT_EQ(format_size(5ull << 40), "5T");
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20000; ++i) {
    const std::uint64_t v = rng() >> (rng() % 64);
    auto back = parse_size(format_size(v));
    ASSERT_TRUE(back.ok()) << v;
    EXPECT_EQ(*back, v);
  }
}

TEST(Duration, OnlyTheBytesOfTheTextAreParsed) {
  // A view into a longer buffer: the digits after its end are not part of it.
  const std::string_view buffer = "12345";
  auto r = parse_duration(buffer.substr(0, 2));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, seconds(12));
}

TEST(ParseScaled, KnowsOnlyTheUnitsItIsGiven) {
  // Two units in the array, but only the first is passed: 'k' is not a unit here.
  const detail::UnitScale units[] = {{'s', 1}, {'k', 1000}};
  auto bad = detail::parse_scaled("5k", units, 1, 1'000'000, "count", "N or Ns");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::invalid_value);
  auto good = detail::parse_scaled("5s", units, 1, 1'000'000, "count", "N or Ns");
  ASSERT_TRUE(good.ok()) << good.error().message;
  EXPECT_EQ(*good, 5u);
}

}  // namespace
}  // namespace sqlink
