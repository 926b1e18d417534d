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

TEST(Sanitize, AcceptsExactlyTheWellFormedUtf8Ranges) {
  // RFC 3629 table 3-7: the first and last sequence of each lead-byte range is kept as is.
  for (const char* good : {"\xc2\xa0", "\xc3\x80", "\xc3\xbf", "\xdf\xbf",              // 2 bytes
                           "\xe0\xa0\x80", "\xe0\xbf\xbf", "\xe1\x80\x80", "\xec\xbf\xbf",
                           "\xed\x80\x80", "\xed\x9f\xbf", "\xee\x80\x80", "\xef\xbf\xbd",
                           "\xe2\x82\xbf",                                               // 3 bytes
                           "\xf0\x90\x80\x80", "\xf0\xbf\xbf\xbf", "\xf1\x80\x80\x80",
                           "\xf3\xbf\xbf\xbf", "\xf4\x80\x80\x80", "\xf4\x8f\xbf\xbf"}) {  // 4 bytes
    EXPECT_EQ(sanitize(good), good) << quoted(good);
  }
}

TEST(Sanitize, EscapesOverlongsSurrogatesAndCodePointsAboveTheMaximum) {
  EXPECT_EQ(sanitize("\xc1\xbf"), "\\xc1\\xbf");                          // overlong U+007F
  EXPECT_EQ(sanitize("\xe0\x9f\xbf"), "\\xe0\\x9f\\xbf");                 // overlong U+07FF
  EXPECT_EQ(sanitize("\xed\xbf\xbf"), "\\xed\\xbf\\xbf");                 // surrogate
  EXPECT_EQ(sanitize("\xf0\x8f\xbf\xbf"), "\\xf0\\x8f\\xbf\\xbf");        // overlong U+FFFF
  EXPECT_EQ(sanitize("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");        // U+110000
  EXPECT_EQ(sanitize("\xf5\x80\x80\x80"), "\\xf5\\x80\\x80\\x80");        // no such lead byte
  EXPECT_EQ(sanitize("\x80\x80\x80\x80"), "\\x80\\x80\\x80\\x80");        // continuations alone
  EXPECT_EQ(sanitize("\xc3\xc0"), "\\xc3\\xc0");                          // bad second byte
  EXPECT_EQ(sanitize("\xe2\x82" "A"), "\\xe2\\x82" "A");                  // bad third byte
  EXPECT_EQ(sanitize("\xe2\x82\xc0"), "\\xe2\\x82\\xc0");
  EXPECT_EQ(sanitize("\xf0\x9f\x98" "A"), "\\xf0\\x9f\\x98" "A");          // bad fourth byte
}

TEST(Sanitize, EscapesEveryC1ControlWhereverItStands) {
  EXPECT_EQ(sanitize("\xc2\x80"), "\\xc2\\x80");
  EXPECT_EQ(sanitize("\xc2\x9f"), "\\xc2\\x9f");
  EXPECT_EQ(sanitize("\xc2\xa1"), "\xc2\xa1");  // U+00A1 is printable
  EXPECT_EQ(sanitize("\xc3\xa9\xc2\x85"), "\xc3\xa9\\xc2\\x85");
  EXPECT_EQ(sanitize("x\xc2\xa0y\xc2\x9b"), "x\xc2\xa0y\\xc2\\x9b");
}

TEST(Sanitize, ACutThroughASequenceEscapesWhatIsLeftOfIt) {
  EXPECT_EQ(sanitize("\xe2\x82\xac", 2), "\\xe2\\x82...");
  EXPECT_EQ(sanitize("a\xf0\x9f\x98\x80", 4), "a\\xf0\\x9f\\x98...");
  EXPECT_EQ(sanitize("\xc3\xa9\xc3\xa9", 3), "\xc3\xa9\\xc3...");
  EXPECT_EQ(sanitize("abcdef", 3), "abc...");
  EXPECT_EQ(sanitize("abc", 3), "abc");
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

TEST(ErrorTable, ACodeBeyondTheTableReadsAsItsLastEntry) {
  // A value cast from a newer peer's number must not index past the table.
  std::size_t count = 0;
  Errc last = Errc::ok;
#define SQLINK_X(name, exit_code, summary) \
  ++count;                                 \
  last = Errc::name;
  SQLINK_ERRC_TABLE(SQLINK_X)
#undef SQLINK_X
  for (const std::size_t index : {count, count + 1, count + 100}) {
    const auto code = static_cast<Errc>(index);
    EXPECT_EQ(errc_name(code), errc_name(last)) << index;
    EXPECT_EQ(errc_summary(code), errc_summary(last)) << index;
    EXPECT_EQ(errc_exit_code(code), errc_exit_code(last)) << index;
  }
}

}  // namespace
}  // namespace sqlink
