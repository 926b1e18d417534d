// The dot-command tokenizer: quoting rules, every error path with a sanitised message, and
// quote_word as its exact inverse.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sqlink/dotcmd.hpp"
#include "sqlink/limits.hpp"

namespace sqlink {
namespace {

using Words = std::vector<std::string>;

Words split(std::string_view line) {
  auto r = tokenize_line(line);
  EXPECT_TRUE(r.ok()) << line << ": " << r.error().to_string();
  return r.ok() ? *r : Words{};
}

// Expects `line` to fail with `code`, naming `word` (sanitised) in the message and input.
void expect_error(std::string_view line, Errc code, std::string_view word) {
  auto r = tokenize_line(line);
  ASSERT_FALSE(r.ok()) << line;
  EXPECT_EQ(r.error().code, code) << r.error().message;
  EXPECT_NE(r.error().message.find(quoted(word)), std::string::npos) << r.error().message;
  EXPECT_EQ(r.error().input, sanitize(word));
}

TEST(DotTokenize, PlainWordsAndBlanks) {
  EXPECT_EQ(split(".bundle save x"), (Words{".bundle", "save", "x"}));
  EXPECT_EQ(split("  a \t\t b\t"), (Words{"a", "b"}));
  EXPECT_EQ(split(""), Words{});
  EXPECT_EQ(split(" \t "), Words{});
}

TEST(DotTokenize, SingleQuotesAreLiteral) {
  EXPECT_EQ(split("'a b' c"), (Words{"a b", "c"}));
  EXPECT_EQ(split(R"('a\b "c"')"), (Words{R"(a\b "c")"}));
  EXPECT_EQ(split("'--'"), Words{"--"});
}

TEST(DotTokenize, DoubleQuotesEscapeOnlyQuoteAndBackslash) {
  EXPECT_EQ(split(R"("a \"b\" c")"), (Words{R"(a "b" c)"}));
  EXPECT_EQ(split(R"("a\\b")"), (Words{R"(a\b)"}));
  EXPECT_EQ(split(R"("a\nb\$")"), (Words{R"(a\nb\$)"}));
  EXPECT_EQ(split(R"("it's")"), (Words{"it's"}));
}

TEST(DotTokenize, BackslashOutsideQuotesEscapesTheNextByte) {
  EXPECT_EQ(split(R"(a\ b)"), (Words{"a b"}));
  EXPECT_EQ(split(R"(\'x\")"), (Words{R"('x")"}));
  EXPECT_EQ(split(R"(a\\b)"), (Words{R"(a\b)"}));
  EXPECT_EQ(split(R"(\n)"), (Words{"n"}));
}

TEST(DotTokenize, AdjacentSegmentsConcatenate) {
  EXPECT_EQ(split(R"(a'b c'"d")"), (Words{"ab cd"}));
  EXPECT_EQ(split(R"(x""y '' z)"), (Words{"xy", "", "z"}));
}

TEST(DotTokenize, EmptyQuotesMakeEmptyWords) {
  EXPECT_EQ(split("''"), Words{""});
  EXPECT_EQ(split(R"("" '')"), (Words{"", ""}));
  EXPECT_EQ(split("a '' b"), (Words{"a", "", "b"}));
}

TEST(DotTokenize, UnterminatedQuotesAreErrors) {
  expect_error("a 'b c", Errc::unterminated_quote, "'b c");
  expect_error(R"(a "b c)", Errc::unterminated_quote, R"("b c)");
  expect_error(R"(a x"b\")", Errc::unterminated_quote, R"(x"b\")");
  expect_error("'", Errc::unterminated_quote, "'");
}

TEST(DotTokenize, TrailingBackslashIsAnError) {
  expect_error(R"(a b\)", Errc::unterminated_quote, R"(b\)");
  expect_error(R"(\)", Errc::unterminated_quote, R"(\)");
}

TEST(DotTokenize, ControlBytesAreRejectedEvenQuoted) {
  expect_error(std::string("a b\x1b[2Jc"), Errc::control_character, "b\x1b");
  expect_error(std::string("a\0b", 3), Errc::control_character, std::string("a\0", 2));
  expect_error("'a\x7f'", Errc::control_character, "'a\x7f");
  expect_error("\"a\tb\"", Errc::control_character, "\"a\t");
  expect_error("a\\\tb", Errc::control_character, "a\\\t");
  expect_error("a\rb", Errc::control_character, "a\r");
  expect_error("a\nb", Errc::control_character, "a\n");
  expect_error("x \xc2\x9b", Errc::control_character, "\xc2\x9b");  // C1 CSI in UTF-8
  // Printable non-ASCII is fine.
  EXPECT_EQ(split("caf\xc3\xa9 \xc2\xa0"), (Words{"caf\xc3\xa9", "\xc2\xa0"}));
}

// Found by fuzz_dot_line: an escape or a quote between the two bytes of a UTF-8 C1 control
// hid it from the byte-by-byte check, and the word came out holding U+0091.
TEST(DotTokenize, ControlsAssembledByEscapesOrQuotesAreRejected) {
  for (const std::string line : {"x\xc2\\\x91y", "x\xc2'\x91'", "\"\xc2\"\x91"}) {
    auto r = tokenize_line(line);
    ASSERT_FALSE(r.ok()) << sanitize(line);
    EXPECT_EQ(r.error().code, Errc::control_character);
    EXPECT_NE(r.error().message.find("\\xc2\\x91"), std::string::npos) << r.error().message;
  }
}

TEST(DotTokenize, ControlBytesAreEscapedInTheMessage) {
  auto r = tokenize_line("ok \x1b]0;pwned\x07");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message.find('\x1b'), std::string::npos);
  EXPECT_NE(r.error().message.find("\\x1b"), std::string::npos) << r.error().message;
  EXPECT_EQ(r.error().input, "\\x1b");
}

TEST(DotTokenize, OneTrailingNewlineIsStripped) {
  EXPECT_EQ(split("a b\n"), (Words{"a", "b"}));
  EXPECT_EQ(split("a b\r\n"), (Words{"a", "b"}));
  EXPECT_EQ(split("'a b'\n"), (Words{"a b"}));
  EXPECT_EQ(split("\n"), Words{});
  expect_error("a\n\n", Errc::control_character, "a\n");
  expect_error("a\r", Errc::control_character, "a\r");
  expect_error("'a\n", Errc::unterminated_quote, "'a");  // the newline is gone, the quote is open
}

TEST(DotTokenize, LineLengthLimit) {
  const std::string longest(limits::kMaxLineBytes, 'x');
  EXPECT_EQ(split(longest), Words{longest});
  EXPECT_EQ(split(longest + "\r\n"), Words{longest});
  const std::string too_long = longest + "y";
  auto r = tokenize_line(too_long);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::too_long);
  EXPECT_NE(r.error().message.find(quoted(too_long)), std::string::npos);
  EXPECT_EQ(r.error().input, sanitize(too_long));
  EXPECT_LT(r.error().message.size(), 512u);  // the echo is cut, not the whole line
}

TEST(DotTokenize, TokenCountLimit) {
  std::string line;
  for (std::size_t i = 0; i < limits::kMaxTokens; ++i) line += "w ";
  EXPECT_EQ(split(line).size(), limits::kMaxTokens);
  line += "''";  // an empty word counts too
  expect_error(line, Errc::too_long, line);
}

TEST(DotTokenize, EveryC1ControlIsRejectedAndNamedInTheMessage) {
  expect_error("x \xc2\x80", Errc::control_character, "\xc2\x80");  // U+0080, the first
  expect_error("x \xc2\x9f", Errc::control_character, "\xc2\x9f");  // U+009F, the last
  EXPECT_EQ(split("\xc2\xa1 \xc2\x7e"), (Words{"\xc2\xa1", "\xc2~"}));
  // A control assembled from harmless pieces is named as the control itself, not just the word.
  auto r = tokenize_line("x\xc2'\x85'y");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message.rfind("control character \\xc2\\x85 in ", 0), 0u) << r.error().message;
}

TEST(DotTokenize, InDoubleQuotesABackslashEscapesOnlyTheByteAfterIt) {
  // "\\" is one backslash; a backslash before an ordinary byte stays, whatever came before it.
  EXPECT_EQ(split(R"("a\\\b")"), (Words{R"(a\\b)"}));
  EXPECT_EQ(split(R"("\\\\")"), (Words{R"(\\)"}));
  EXPECT_EQ(split(R"("\\x" y)"), (Words{R"(\x)", "y"}));
}

TEST(DotTokenize, NothingPastTheEndOfTheLineIsRead) {
  // Lines are views, often into a longer buffer: the byte after the end must not count.
  // A lone C1 lead byte at the end, with a continuation byte just past it, is no control.
  const std::string c1 = "a\xc2\x85";
  EXPECT_EQ(split(std::string_view(c1).substr(0, 2)), Words{"a\xc2"});
  // A backslash ending an open double quote, with a quote just past it: still an open quote.
  const std::string quote = "\"a\\\"";
  auto r = tokenize_line(std::string_view(quote).substr(0, 3));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::unterminated_quote);
  EXPECT_EQ(r.error().message, "unterminated double quote in " + quoted("\"a\\")) << r.error().message;
}

TEST(DotTokenize, QuoteWordLeavesEveryLetterAndDigitAlone) {
  EXPECT_EQ(quote_word("azAZ09"), "azAZ09");
  EXPECT_EQ(quote_word("z"), "z");
  EXPECT_EQ(quote_word("Z"), "Z");
  EXPECT_EQ(quote_word("A"), "A");
  // Bytes just outside the ranges are not safe: @ [ ` { | } ~ must be quoted.
  for (const char* w : {"{", "}", "~x", "[", "`", "a{b"}) {
    EXPECT_NE(quote_word(w), w) << w;
    EXPECT_EQ(split(quote_word(w)), (Words{w})) << w;
  }
}

TEST(DotTokenize, QuoteWordLeavesSafeWordsAlone) {
  for (const char* w :
       {"abc", "x.so", "--mem=64k", "/usr/lib/a-b_c+d", "sha256:ab", "fs-read,net", "a@b%c^d"}) {
    EXPECT_EQ(quote_word(w), w);
  }
  EXPECT_EQ(quote_word(""), "''");
  EXPECT_EQ(quote_word("a b"), "'a b'");
  EXPECT_EQ(quote_word("it's"), R"('it'\''s')");
}

TEST(DotTokenize, QuoteWordRoundTrips) {
  const std::vector<std::string> tricky = {"",
                                           " ",
                                           "a b",
                                           "'",
                                           "''",
                                           "\"",
                                           R"(\)",
                                           R"(\\)",
                                           R"(a\'b)",
                                           R"("\"")",
                                           "$HOME",
                                           "*",
                                           "?",
                                           "~",
                                           "#x",
                                           "a;b",
                                           "a|b",
                                           "a&b",
                                           "(x)",
                                           "`x`",
                                           "!",
                                           "caf\xc3\xa9",
                                           "\xe2\x82\xac 1",
                                           "\xf0\x9f\x98\x80",
                                           "--",
                                           "-",
                                           "-x",
                                           "a=b c",
                                           "end\\",
                                           "'start",
                                           "mid'dle",
                                           "  lead",
                                           "trail  ",
                                           "\xff\xfe"};
  for (const std::string& w : tricky) {
    const std::string q = quote_word(w);
    auto r = tokenize_line(q);
    ASSERT_TRUE(r.ok()) << q << ": " << r.error().to_string();
    EXPECT_EQ(*r, Words{w}) << q;
  }
  // Quoted words stay separate words on one line.
  std::string line;
  for (const std::string& w : tricky) line += quote_word(w) + " ";
  EXPECT_EQ(split(line), tricky);
}

}  // namespace
}  // namespace sqlink
