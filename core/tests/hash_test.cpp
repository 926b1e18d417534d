// SHA-256 and hex: known vectors, incremental equals one-shot, strict hex parsing.
#include <gtest/gtest.h>
#include <malloc.h>

#include <cstring>

#include "sqlink/hash.hpp"

namespace sqlink {
namespace {

TEST(Sha256, MatchesKnownVectors) {
  EXPECT_EQ(sha256("").hex(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256("abc").hex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256, IncrementalEqualsOneShot) {
  const std::string data(100000, 'x');
  Sha256 s;
  for (std::size_t i = 0; i < data.size(); i += 777) s.update(std::string_view(data).substr(i, 777));
  EXPECT_EQ(s.finish(), sha256(data));
}

TEST(HashHex, RoundTripsAndAcceptsUpperCase) {
  const Hash h = sha256("abc");
  EXPECT_EQ(*Hash::from_hex(h.hex()), h);
  std::string upper = h.hex();
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(*Hash::from_hex(upper), h);
  EXPECT_EQ(*Hash::from_bytes(h.view()), h);
}

TEST(HashHex, RejectsWrongLengthAndNonHex) {
  const std::string good = sha256("abc").hex();
  for (const std::string& bad : {good.substr(0, 63), good + "0", "g" + good.substr(1), std::string()}) {
    auto r = Hash::from_hex(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, Errc::invalid_value);
    EXPECT_NE(r.error().message.find(quoted(bad)), std::string::npos);
  }
  EXPECT_FALSE(Hash::from_bytes("short").ok());
}

TEST(HashHex, EveryDigitPositionAndEveryNonHexNeighbourIsChecked) {
  const std::string good = sha256("abc").hex();
  // Bytes next to the digit and letter ranges in ASCII are not hex digits, in either position
  // of a byte.
  for (const char c : {'/', ':', ';', '?', '@', 'G', '`', 'g', ' '}) {
    for (const std::size_t at : {std::size_t{0}, std::size_t{1}, std::size_t{62}, std::size_t{63}}) {
      std::string bad = good;
      bad[at] = c;
      EXPECT_FALSE(Hash::from_hex(bad).ok()) << bad;
    }
  }
  EXPECT_EQ(Hash::from_hex("0123456789abcdefABCDEF0123456789abcdefABCDEF0123456789abcdef0123")->hex(),
            "0123456789abcdefabcdef0123456789abcdefabcdef0123456789abcdef0123");
}

TEST(HashHex, IsExactlySixtyFourDigitsAndNulTerminated) {
  const Hash h = sha256("abc");
  const std::string hex = h.hex();
  ASSERT_EQ(hex.size(), 64u);
  EXPECT_EQ(std::strlen(hex.c_str()), 64u);  // nothing was written past the last digit
}

TEST(Sha256, ManyHashesLeaveTheHeapAsTheyFoundIt) {
  (void)sha256("warm up");  // OpenSSL sets up its digest tables once
  const auto before = ::mallinfo2().uordblks;
  for (int i = 0; i < 2000; ++i) {
    Sha256 s;
    s.update("x");
    (void)s.finish();
  }
  // Each context is freed with its hasher; leaking them would take hundreds of kilobytes.
  EXPECT_LT(::mallinfo2().uordblks, before + 16 * 1024);
}

}  // namespace
}  // namespace sqlink
