// The error table and sanitising: what reaches a terminal never carries a control byte.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "sqlink/error.hpp"

namespace sqlink {
namespace {

TEST(ErrorTable, NamesAreUniqueAndExitCodesMatchTheirKind) {
  std::set<std::string_view> names;
#define SQLINK_X(name, exit_code, summary) \
  EXPECT_TRUE(names.insert(errc_name(Errc::name)).second) << #name; \
  EXPECT_EQ(errc_exit_code(Errc::name), exit_code) << #name; \
  EXPECT_EQ(errc_summary(Errc::name), summary);
  SQLINK_ERRC_TABLE(SQLINK_X)
#undef SQLINK_X
  EXPECT_EQ(errc_name(Errc::missing_value), "missing_value");
  EXPECT_EQ(errc_exit_code(Errc::unknown_flag), 2);
  EXPECT_EQ(errc_exit_code(Errc::not_found), 1);
  EXPECT_EQ(errc_exit_code(Errc::ok), 0);
}

TEST(Sanitize, LeavesPrintableTextAndBackslashesAlone) {
  EXPECT_EQ(sanitize("plain text-1.0_/x"), "plain text-1.0_/x");
  EXPECT_EQ(sanitize("C:\\x"), "C:\\x");
  EXPECT_EQ(sanitize(""), "");
}

TEST(Sanitize, EscapesC0ControlsDelAndNul) {
  EXPECT_EQ(sanitize(std::string("a\0b", 3)), "a\\x00b");
  EXPECT_EQ(sanitize("\x1b[31mred"), "\\x1b[31mred");
  EXPECT_EQ(sanitize("tab\tnl\ncr\r"), "tab\\x09nl\\x0acr\\x0d");
  EXPECT_EQ(sanitize("\x7f"), "\\x7f");
}

TEST(Sanitize, KeepsValidUtf8ButEscapesC1ControlsAndInvalidBytes) {
  EXPECT_EQ(sanitize("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
  EXPECT_EQ(sanitize("\xc2\x9b" "2J"), "\\xc2\\x9b2J");   // C1 CSI
  EXPECT_EQ(sanitize("\xff\xfe"), "\\xff\\xfe");
  EXPECT_EQ(sanitize("\xc0\xaf"), "\\xc0\\xaf");          // overlong '/'
  EXPECT_EQ(sanitize("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // surrogate
  EXPECT_EQ(sanitize("\xe2\x82"), "\\xe2\\x82");          // truncated sequence
}

TEST(Sanitize, CutsLongInputAndMarksIt) {
  const std::string long_input(limits::kMaxEchoBytes + 50, 'a');
  const std::string out = sanitize(long_input);
  EXPECT_EQ(out, std::string(limits::kMaxEchoBytes, 'a') + "...");
  EXPECT_EQ(sanitize(long_input, 4), "aaaa...");
  EXPECT_EQ(sanitize(long_input, static_cast<std::size_t>(-1)), long_input);
}

TEST(Sanitize, OutputNeverContainsControlBytesForAnyByte) {
  for (int b = 0; b < 256; ++b) {
    const std::string raw(1, static_cast<char>(b));
    for (const char c : sanitize(raw)) {
      const auto u = static_cast<unsigned char>(c);
      EXPECT_FALSE(u < 0x20 || u == 0x7f || u >= 0x80) << "byte " << b;
    }
  }
}

TEST(HasControlByte, FlagsC0AndDelOnly) {
  EXPECT_FALSE(has_control_byte(""));
  EXPECT_FALSE(has_control_byte("plain /path-1.0 caf\xc3\xa9 \xff"));
  EXPECT_TRUE(has_control_byte(std::string("a\0b", 3)));
  EXPECT_TRUE(has_control_byte("tab\there"));
  EXPECT_TRUE(has_control_byte("\x1f"));
  EXPECT_TRUE(has_control_byte("x\x7f"));
  EXPECT_FALSE(has_control_byte(" ~"));
}

TEST(Quoted, WrapsTheSanitisedInputAndBeatsStdQuoted) {
  const std::string s = "a\x01";
  EXPECT_EQ(quoted(s), "'a\\x01'");  // std::string argument: must not resolve to std::quoted
  EXPECT_EQ(quoted("x"), "'x'");
  EXPECT_EQ(quoted(std::string_view("y")), "'y'");
}

TEST(ErrorMake, SanitisesTheInputAndFormatsTheHint) {
  const Error e = Error::make(Errc::unknown_flag, "unknown flag " + quoted("--d\x1b"), "--d\x1b",
                              "did you mean '--db'?");
  EXPECT_EQ(e.code, Errc::unknown_flag);
  EXPECT_EQ(e.input, "--d\\x1b");
  EXPECT_NE(e.message.find(e.input), std::string::npos);
  EXPECT_EQ(e.to_string(), "unknown flag '--d\\x1b' (did you mean '--db'?)");
  EXPECT_EQ(e.exit_code(), 2);
  EXPECT_EQ(Error::make(Errc::io_error, "m").to_string(), "m");
}

TEST(ResultType, HoldsAValueOrAnError) {
  Result<int> good = 7;
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 7);
  Result<int> bad = Error::make(Errc::not_found, "no 'x'", "x");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::not_found);
  Result<void> v;
  EXPECT_TRUE(v.ok());
  Result<void> verr = Error::make(Errc::timeout, "slow 'y'", "y");
  EXPECT_FALSE(verr.ok());
  EXPECT_EQ(verr.error().input, "y");
}

TEST(ResultTypeDeathTest, ValueOfAnErrorAborts) {
  Result<int> bad = Error::make(Errc::not_found, "no 'x'", "x");
  EXPECT_DEATH({ (void)bad.value(); }, "");
}

}  // namespace
}  // namespace sqlink
