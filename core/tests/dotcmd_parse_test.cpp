// The dot-command parser: every command's valid forms in both flag styles, and every error
// path with its code, the sanitised offending word in the message, and a hint where one helps.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sqlink/dotcmd.hpp"
#include "sqlink/limits.hpp"
#include "sqlink/units.hpp"

namespace sqlink {
namespace {

using std::chrono::seconds;

const std::string kHex = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

template <class T>
T parse_as(std::string_view line) {
  auto r = parse_dot_line(line);
  if (!r.ok()) {
    ADD_FAILURE() << line << ": " << r.error().to_string();
    return T{};
  }
  if (!std::holds_alternative<T>(*r)) {
    ADD_FAILURE() << line << " parsed as " << dot_command_name(*r);
    return T{};
  }
  return std::get<T>(*r);
}

template <class T>
T parse_words_as(const std::vector<std::string>& words) {
  auto r = parse_dot_words(words);
  if (!r.ok() || !std::holds_alternative<T>(*r)) {
    ADD_FAILURE() << words[0] << ": " << (r.ok() ? "wrong command" : r.error().to_string());
    return T{};
  }
  return std::get<T>(*r);
}

// The error of a failed parse: its code, and the offending word named, sanitised, in both
// the message and the input field.
Error expect_error(const Result<DotCommand>& r, Errc code, std::string_view word) {
  if (r.ok()) {
    ADD_FAILURE() << "parsed as " << format_dot_command(*r);
    return {};
  }
  EXPECT_EQ(r.error().code, code) << errc_name(r.error().code) << ": " << r.error().message;
  EXPECT_NE(r.error().message.find(quoted(word)), std::string::npos) << r.error().message;
  EXPECT_EQ(r.error().input, sanitize(word)) << r.error().message;
  return r.error();
}

Error expect_error(std::string_view line, Errc code, std::string_view word) {
  SCOPED_TRACE(std::string(line));
  return expect_error(parse_dot_line(line), code, word);
}

Error expect_words_error(const std::vector<std::string>& words, Errc code, std::string_view word) {
  return expect_error(parse_dot_words(words), code, word);
}

void expect_hint(const Error& e, std::string_view part) {
  EXPECT_NE(e.hint.find(part), std::string::npos) << "hint: " << e.hint << " (" << e.message << ")";
}

// ---- .load

TEST(DotParse, LoadPath) {
  auto c = parse_as<LoadCommand>(".load /usr/lib/sqlite3/pcre.so");
  EXPECT_EQ(c.target, (LoadTarget{LoadTarget::Kind::path, "", "/usr/lib/sqlite3/pcre.so"}));
  EXPECT_TRUE(c.grants.empty());
  EXPECT_FALSE(c.trust || c.mem || c.timeout);
  EXPECT_EQ(parse_as<LoadCommand>(".load './my ext.so'").target.text, "./my ext.so");
}

TEST(DotParse, LoadClassifiesPathsAndUris) {
  // A one-letter scheme is a drive letter: a path.
  EXPECT_EQ(parse_words_as<LoadCommand>({".load", R"(C:\x)"}).target,
            (LoadTarget{LoadTarget::Kind::path, "", R"(C:\x)"}));
  EXPECT_EQ(parse_as<LoadCommand>(R"(.load 'C:\x')").target.kind, LoadTarget::Kind::path);
  EXPECT_EQ(parse_as<LoadCommand>(".load a:b").target.kind, LoadTarget::Kind::path);
  EXPECT_EQ(parse_as<LoadCommand>(".load :x").target.kind, LoadTarget::Kind::path);
  EXPECT_EQ(parse_as<LoadCommand>(".load ./ab:cd").target.kind, LoadTarget::Kind::path);
  EXPECT_EQ(parse_as<LoadCommand>(".load /tmp/ab:cd").target.kind, LoadTarget::Kind::path);
  // Two or more scheme characters make a URI, so an unknown one is an error, not a path.
  auto e = expect_error(".load ab:cd", Errc::invalid_value, "ab:cd");
  EXPECT_NE(e.message.find("unsupported URI scheme 'ab'"), std::string::npos) << e.message;
  expect_hint(e, "'./ab:cd'");
  e = expect_error(".load ftp://host/x.so", Errc::invalid_value, "ftp://host/x.so");
  EXPECT_NE(e.message.find("expected one of https, file, sha256, digest"), std::string::npos);
  expect_error(".load a+b.c-d:x", Errc::invalid_value, "a+b.c-d:x");
  expect_error(".load http://e.com/x.so", Errc::invalid_value, "http://e.com/x.so");
}

TEST(DotParse, LoadFileAndHttpsUris) {
  EXPECT_EQ(parse_as<LoadCommand>(".load file:///opt/x.so").target,
            (LoadTarget{LoadTarget::Kind::uri, "file", "file:///opt/x.so"}));
  EXPECT_EQ(parse_as<LoadCommand>(".load HTTPS://Example.com/X.so").target,
            (LoadTarget{LoadTarget::Kind::uri, "https", "https://Example.com/X.so"}));
  expect_error(".load https:", Errc::invalid_value, "https:");
  expect_error(".load file:", Errc::invalid_value, "file:");
}

TEST(DotParse, LoadHashUris) {
  EXPECT_EQ(parse_as<LoadCommand>(".load sha256:" + kHex).target,
            (LoadTarget{LoadTarget::Kind::uri, "sha256", "sha256:" + kHex}));
  std::string upper = kHex;
  for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  EXPECT_EQ(parse_as<LoadCommand>(".load SHA256:" + upper).target,
            (LoadTarget{LoadTarget::Kind::uri, "sha256", "sha256:" + kHex}));
  EXPECT_EQ(parse_as<LoadCommand>(".load Digest:" + upper).target,
            (LoadTarget{LoadTarget::Kind::uri, "digest", "digest:" + kHex}));
  for (const std::string& bad : std::vector<std::string>{"sha256:" + kHex.substr(1), "sha256:" + kHex + "0",
                                                         "digest:" + kHex.substr(1) + "g",
                                                         "sha256:", "digest:" + kHex.substr(2) + "  "}) {
    expect_error(".load " + quote_word(bad), Errc::invalid_value, bad);
  }
}

TEST(DotParse, LoadPathErrors) {
  expect_error(".load ''", Errc::invalid_value, "");
  const std::string longest(limits::kMaxPathBytes, 'p');
  EXPECT_EQ(parse_as<LoadCommand>(".load " + longest).target.text, longest);
  expect_error(".load " + longest + "p", Errc::too_long, longest + "p");
  // A leading '-' reads as a flag unless it follows "--".
  expect_hint(expect_error(".load -x.so", Errc::unknown_flag, "-x.so"), "'--'");
  EXPECT_EQ(parse_as<LoadCommand>(".load -- -x.so").target.text, "-x.so");
  EXPECT_EQ(parse_as<LoadCommand>(".load --mem=1k -- --").target.text, "--");
  expect_error(".load", Errc::missing_argument, ".load");
  expect_error(".load --mem=1k", Errc::missing_argument, ".load");
  expect_error(".load a.so b.so", Errc::extra_argument, "b.so");
  expect_error(".load -- a.so --mem=1k", Errc::extra_argument, "--mem=1k");
}

TEST(DotParse, LoadFlagsInBothStyles) {
  auto c = parse_as<LoadCommand>(".load x.so --grant=fs-read,net --trust=stored --mem=64k --timeout=30s");
  EXPECT_TRUE(c.grants.contains(Capability::fs_read));
  EXPECT_TRUE(c.grants.contains(Capability::net));
  EXPECT_FALSE(c.grants.contains(Capability::hooks));
  EXPECT_EQ(c.trust, Trust::stored);
  EXPECT_EQ(c.mem, 65536u);
  EXPECT_EQ(c.timeout, seconds(30));
  auto d = parse_as<LoadCommand>(".load --grant fs-read,net --trust stored --mem 64k --timeout 30s x.so");
  EXPECT_EQ(c, d);
  EXPECT_EQ(parse_as<LoadCommand>(".load x --trust manifest").trust, Trust::manifest);
  EXPECT_EQ(parse_as<LoadCommand>(".load x --trust=prompt").trust, Trust::prompt);
  EXPECT_EQ(parse_as<LoadCommand>(".load x --timeout=2h").timeout, seconds(7200));
  EXPECT_EQ(parse_as<LoadCommand>(".load x '--mem=1G'").mem, 1u << 30);
}

TEST(DotParse, RepeatedFlagsLastWinsGrantsAccumulate) {
  auto c = parse_as<LoadCommand>(
      ".load x --mem=1k --mem 2k --timeout=1s --timeout=7d --trust=stored --trust=prompt "
      "--grant=net --grant hooks,net --grant=fs-write");
  EXPECT_EQ(c.mem, 2048u);
  EXPECT_EQ(c.timeout, seconds(7 * 86400));
  EXPECT_EQ(c.trust, Trust::prompt);
  CapabilitySet want;
  want.insert(Capability::net);
  want.insert(Capability::hooks);
  want.insert(Capability::fs_write);
  EXPECT_EQ(c.grants, want);
  EXPECT_EQ(parse_as<BundleBuild>(".bundle build b --target=a --target b").target, "b");
  auto gc = parse_as<BundleGc>(".bundle gc --keep 1 --keep=5 --older-than=1s --older-than 2m");
  EXPECT_EQ(gc.keep, 5u);
  EXPECT_EQ(gc.older_than, seconds(120));
}

TEST(DotParse, LoadValueErrorsKeepTheirCode) {
  expect_error(".load x --mem=99999999999999999999", Errc::out_of_range, "99999999999999999999");
  expect_error(".load x --timeout=18446744073709551615d", Errc::out_of_range, "18446744073709551615d");
  expect_error(".load x --timeout 18446744073709551615d", Errc::out_of_range, "18446744073709551615d");
  expect_error(".load x --mem=12q", parse_size("12q").error().code, "12q");
  expect_error(".load x --timeout=5M", parse_duration("5M").error().code, "5M");
  // The codes come from the value parsers; the message says which flag it was.
  auto e = expect_error(".load x --grant=fs-read,bogus", parse_capabilities("fs-read,bogus").error().code,
                        parse_capabilities("fs-read,bogus").error().input);
  EXPECT_EQ(e.message.rfind("--grant", 0), 0u) << e.message;
  expect_error(".load x --grant=net,,hooks", parse_capabilities("net,,hooks").error().code,
               parse_capabilities("net,,hooks").error().input);
  expect_hint(expect_error(".load x --trust=stord", Errc::invalid_value, "stord"), "'stored'");
  expect_error(".load x --trust=STORED", Errc::invalid_value, "STORED");
}

TEST(DotParse, MissingFlagValues) {
  auto e = expect_error(".load x --timeout", Errc::missing_value, "--timeout");
  EXPECT_NE(e.message.find("'--timeout' expects a DURATION (30s, 15m, 2h, 7d)"), std::string::npos)
      << e.message;
  EXPECT_TRUE(e.hint.empty()) << e.hint;
  // A next word starting with '-' is not taken as the value; the hint shows the '=' form.
  e = expect_error(".load x --timeout -5s", Errc::missing_value, "--timeout");
  expect_hint(e, "--timeout=");
  expect_hint(expect_error(".load x --mem --timeout=1s", Errc::missing_value, "--mem"), "--mem=");
  expect_error(".load x --mem --", Errc::missing_value, "--mem");
  e = expect_error(".load x --mem=", Errc::missing_value, "--mem");
  EXPECT_NE(e.message.find("SIZE"), std::string::npos);
  expect_error(".load x --mem ''", Errc::missing_value, "--mem");
  expect_error(".load x --grant", Errc::missing_value, "--grant");
  e = expect_error(".load x --trust", Errc::missing_value, "--trust");
  EXPECT_NE(e.message.find("manifest, stored, prompt"), std::string::npos);
  expect_error(".bundle build b --target", Errc::missing_value, "--target");
  expect_error(".bundle gc --keep", Errc::missing_value, "--keep");
  expect_error(".bundle gc --older-than=", Errc::missing_value, "--older-than");
}

TEST(DotParse, UnknownFlagsSuggestTheNearest) {
  auto e = expect_error(".load x --timout=5s", Errc::unknown_flag, "--timout");
  expect_hint(e, "did you mean '--timeout'?");
  expect_hint(expect_error(".load x -mem 1k", Errc::unknown_flag, "-mem"), "'--mem'");
  expect_hint(expect_error(".bundle save x --nobuild", Errc::unknown_flag, "--nobuild"), "'--no-build'");
  expect_hint(expect_error(".bundle gc --olderthan 1d", Errc::unknown_flag, "--olderthan"), "'--older-than'");
  expect_error(".load x --no-build", Errc::unknown_flag, "--no-build");
  expect_error(".bundle list --all", Errc::unknown_flag, "--all");
  expect_error(".cache stats -", Errc::unknown_flag, "-");
  expect_error(".cache export --out=x", Errc::unknown_flag, "--out");
}

// ---- .bundle

TEST(DotParse, BundleSave) {
  EXPECT_EQ(parse_as<BundleSave>(".bundle save geo"), (BundleSave{"geo", false}));
  EXPECT_EQ(parse_as<BundleSave>(".bundle save geo --no-build"), (BundleSave{"geo", true}));
  EXPECT_EQ(parse_as<BundleSave>(".bundle save --no-build --no-build 'my geo'"),
            (BundleSave{"my geo", true}));
  expect_error(".bundle save geo --no-build=yes", Errc::unexpected_value, "--no-build=yes");
  expect_error(".bundle save geo --no-build=", Errc::unexpected_value, "--no-build=");
  expect_error(".bundle save", Errc::missing_argument, ".bundle save");
  expect_error(".bundle save a b", Errc::extra_argument, "b");
}

TEST(DotParse, NamesAreCheckedEverywhere) {
  const std::string longest(limits::kMaxNameBytes, 'n');
  EXPECT_EQ(parse_as<BundleSave>(".bundle save " + longest).name, longest);
  expect_error(".bundle save " + longest + "n", Errc::too_long, longest + "n");
  expect_error(".bundle show " + longest + "n", Errc::too_long, longest + "n");
  expect_error(".prefix prefer f " + longest + "n", Errc::too_long, longest + "n");
  expect_error(".bundle save ''", Errc::invalid_value, "");
  expect_error(".bundle alias a ''", Errc::invalid_value, "");
  // After "--" a word is a positional, but names still must not look like flags.
  expect_error(".bundle save -- -x", Errc::invalid_value, "-x");
  expect_error(".bundle delete -- --no-build", Errc::invalid_value, "--no-build");
  expect_error(".prefix unprefer -- -f", Errc::invalid_value, "-f");
  expect_error(".help -- -x", Errc::invalid_value, "-x");
  // Words that did not come through the tokenizer are checked too.
  expect_words_error({".bundle", "save", "a\x1b[31m"}, Errc::control_character, "a\x1b[31m");
  expect_words_error({".bundle", "save", std::string("a\0b", 3)}, Errc::control_character,
                     std::string("a\0b", 3));
  expect_words_error({".load", "x", "--mem", "1\tk"}, Errc::control_character, "1\tk");
  expect_words_error({".bun\x07"}, Errc::control_character, ".bun\x07");
}

TEST(DotParse, BundleBuild) {
  EXPECT_EQ(parse_as<BundleBuild>(".bundle build geo"), (BundleBuild{"geo", std::nullopt}));
  EXPECT_EQ(parse_as<BundleBuild>(".bundle build geo --target x86_64-unknown-linux-gnu"),
            (BundleBuild{"geo", "x86_64-unknown-linux-gnu"}));
  EXPECT_EQ(parse_as<BundleBuild>(".bundle build --target=aarch64_be-linux geo").target, "aarch64_be-linux");
  EXPECT_EQ(parse_as<BundleBuild>(".bundle build geo --target=-x").target, "-x");
  expect_error(".bundle build geo --target=X86_64", Errc::invalid_value, "X86_64");
  expect_error(".bundle build geo --target=a.b", Errc::invalid_value, "a.b");
  expect_error(".bundle build geo --target='a b'", Errc::invalid_value, "a b");
  const std::string longest(limits::kMaxTripleBytes, 't');
  EXPECT_EQ(parse_as<BundleBuild>(".bundle build g --target=" + longest).target, longest);
  expect_error(".bundle build g --target=" + longest + "t", Errc::too_long, longest + "t");
}

TEST(DotParse, TripleBytesAreLowerCaseLettersDigitsUnderscoreAndDash) {
  EXPECT_EQ(parse_as<BundleBuild>(".bundle build g --target=s390x-ibm-zos").target, "s390x-ibm-zos");
  EXPECT_EQ(parse_as<BundleBuild>(".bundle build g --target=az09_-").target, "az09_-");
  for (const char* bad : {"x86_64-linux{", "a|b", "a~b", "a}b", "Z"}) {
    expect_error(std::string(".bundle build g --target=") + quote_word(bad), Errc::invalid_value, bad);
  }
}

TEST(DotParse, LoadSchemesAreLettersDigitsPlusDotDashAndCaseInsensitive) {
  // '_' and other bytes after 'Z' in ASCII cannot be in a scheme: "ab_c:x" is a path.
  EXPECT_EQ(parse_as<LoadCommand>(".load ab_c:x.so").target.kind, LoadTarget::Kind::path);
  EXPECT_EQ(parse_as<LoadCommand>(".load ab~c:x.so").target.kind, LoadTarget::Kind::path);
  EXPECT_EQ(parse_as<LoadCommand>(".load FILE:///opt/x.so").target.text, "file:///opt/x.so");
  auto e = expect_error(".load ZIP:a.so", Errc::invalid_value, "ZIP:a.so");
  EXPECT_NE(e.message.find("'zip'"), std::string::npos) << e.message;
  e = expect_error(".load AZ+z.-9:a.so", Errc::invalid_value, "AZ+z.-9:a.so");
  EXPECT_NE(e.message.find("'az+z.-9'"), std::string::npos) << e.message;
}

TEST(DotParse, AnEmptyInlineValueGetsNoDashHint) {
  auto e = expect_error(".bundle build g --target=", Errc::missing_value, "--target");
  EXPECT_EQ(e.hint, "");
  e = expect_error(".bundle build g --target --x", Errc::missing_value, "--target");
  EXPECT_NE(e.hint.find("--target=VALUE"), std::string::npos) << e.hint;
}

TEST(DotParse, ExactlyTheWordLimitIsNotTooLong) {
  std::vector<std::string> words(limits::kMaxTokens, "x");
  words[0] = ".load";
  auto r = parse_dot_words(words);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::extra_argument);  // judged as a command, not refused by size
  words.push_back("x");
  r = parse_dot_words(words);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::too_long);
}

TEST(DotParse, BundleSimpleSubcommands) {
  parse_as<BundleList>(".bundle list");
  EXPECT_EQ(parse_as<BundleShow>(".bundle show 3fa9"), BundleShow{"3fa9"});
  EXPECT_EQ(parse_as<BundleDelete>(".bundle delete geo"), BundleDelete{"geo"});
  EXPECT_EQ(parse_as<BundleAlias>(".bundle alias geo geo2"), (BundleAlias{"geo", "geo2"}));
  EXPECT_EQ(parse_as<BundleUnalias>(".bundle unalias geo2"), BundleUnalias{"geo2"});
  expect_error(".bundle list x", Errc::extra_argument, "x");
  expect_error(".bundle show", Errc::missing_argument, ".bundle show");
  auto e = expect_error(".bundle alias geo", Errc::missing_argument, ".bundle alias");
  EXPECT_NE(e.message.find("NEW"), std::string::npos) << e.message;
  expect_hint(e, ".bundle alias OLD NEW");
  e = expect_error(".bundle alias", Errc::missing_argument, ".bundle alias");
  EXPECT_NE(e.message.find("OLD NEW"), std::string::npos) << e.message;
  expect_error(".bundle alias a b c", Errc::extra_argument, "c");
  expect_error(".bundle unalias a b", Errc::extra_argument, "b");
  expect_error(".bundle delete", Errc::missing_argument, ".bundle delete");
}

TEST(DotParse, BundleGc) {
  EXPECT_EQ(parse_as<BundleGc>(".bundle gc --keep 3"), (BundleGc{3, std::nullopt}));
  EXPECT_EQ(parse_as<BundleGc>(".bundle gc --older-than=7d"), (BundleGc{std::nullopt, seconds(7 * 86400)}));
  EXPECT_EQ(parse_as<BundleGc>(".bundle gc --keep=0 --older-than 90s"), (BundleGc{0, seconds(90)}));
  EXPECT_EQ(parse_as<BundleGc>(".bundle gc --keep=007").keep, 7u);
  EXPECT_EQ(parse_as<BundleGc>(".bundle gc --keep=18446744073709551615").keep, 18446744073709551615u);
  auto e = expect_error(".bundle gc", Errc::missing_argument, ".bundle gc");
  EXPECT_NE(e.message.find("--keep"), std::string::npos);
  EXPECT_NE(e.message.find("--older-than"), std::string::npos);
  expect_error(".bundle gc --keep=18446744073709551616", Errc::out_of_range, "18446744073709551616");
  expect_error(".bundle gc --keep=99999999999999999999999", Errc::out_of_range, "99999999999999999999999");
  expect_error(".bundle gc --keep=abc", Errc::invalid_value, "abc");
  expect_error(".bundle gc --keep=-1", Errc::invalid_value, "-1");
  expect_error(".bundle gc --keep=+1", Errc::invalid_value, "+1");
  expect_error(".bundle gc --keep=1k", Errc::invalid_value, "1k");
  expect_error(".bundle gc --keep -1", Errc::missing_value, "--keep");
  expect_error(".bundle gc --older-than=18446744073709551615d", Errc::out_of_range, "18446744073709551615d");
  expect_error(".bundle gc --keep 1 extra", Errc::extra_argument, "extra");
}

TEST(DotParse, UnknownCommandsSuggestTheNearest) {
  expect_hint(expect_error(".bundel save x", Errc::unknown_command, ".bundel"), "did you mean '.bundle'?");
  expect_hint(expect_error("bundle save x", Errc::unknown_command, "bundle"), "'.bundle'");
  expect_hint(expect_error(".laod x", Errc::unknown_command, ".laod"), "'.load'");
  expect_error(".frobnicate", Errc::unknown_command, ".frobnicate");
  auto e = expect_error(".bundle sve x", Errc::unknown_command, "sve");
  expect_hint(e, "did you mean 'save'?");
  EXPECT_NE(e.message.find("'.bundle'"), std::string::npos);
  expect_hint(expect_error(".prefix prefr f e", Errc::unknown_command, "prefr"), "'prefer'");
  expect_hint(expect_error(".cache exprot p", Errc::unknown_command, "exprot"), "'export'");
  expect_error(".cache --help", Errc::unknown_command, "--help");
  e = expect_error(".bundle", Errc::missing_argument, ".bundle");
  EXPECT_NE(e.message.find("save, build, list, show, delete, alias, unalias, gc"), std::string::npos)
      << e.message;
  expect_error(".prefix", Errc::missing_argument, ".prefix");
  expect_error(".cache", Errc::missing_argument, ".cache");
}

TEST(DotParse, EmptyInput) {
  expect_error("", Errc::missing_argument, "");
  expect_error("  \t", Errc::missing_argument, "  \t");
  expect_words_error({}, Errc::missing_argument, "");
  // Tokenizer errors come through parse_dot_line unchanged.
  EXPECT_EQ(parse_dot_line(".load 'x").error(), tokenize_line(".load 'x").error());
  std::vector<std::string> many(limits::kMaxTokens + 1, "x");
  many[0] = ".load";
  expect_words_error(many, Errc::too_long, ".load");
}

// ---- .prefix

TEST(DotParse, PrefixAdd) {
  EXPECT_EQ(parse_as<PrefixAdd>(".prefix add uuid org.example.uuid"),
            (PrefixAdd{"uuid", "org.example.uuid", std::nullopt}));
  EXPECT_EQ(parse_as<PrefixAdd>(".prefix add _u9 sqlink-internal://x 'UUID helpers'"),
            (PrefixAdd{"_u9", "sqlink-internal://x", "UUID helpers"}));
  EXPECT_EQ(parse_as<PrefixAdd>(".prefix add u x ''").description, "");
  EXPECT_EQ(parse_as<PrefixAdd>(".prefix add u x -- '- dashed'").description, "- dashed");
  for (const char* bad : {"1uuid", "uu-id", "u.id", "ü"}) {
    expect_error(std::string(".prefix add ") + quote_word(bad) + " x", Errc::invalid_value, bad);
  }
  const std::string longest(limits::kMaxDescBytes, 'd');
  EXPECT_EQ(parse_as<PrefixAdd>(".prefix add u x " + longest).description, longest);
  expect_error(".prefix add u x " + longest + "d", Errc::too_long, longest + "d");
  expect_error(".prefix add u", Errc::missing_argument, ".prefix add");
  expect_error(".prefix add u ''", Errc::invalid_value, "");
  expect_error(".prefix add u x d more", Errc::extra_argument, "more");
}

TEST(DotParse, PrefixOtherSubcommands) {
  parse_as<PrefixList>(".prefix list");
  parse_as<PrefixConflicts>(".prefix conflicts");
  parse_as<PrefixVerify>(".prefix verify");
  EXPECT_EQ(parse_as<PrefixFunctions>(".prefix functions uuid"), PrefixFunctions{"uuid"});
  EXPECT_EQ(parse_as<PrefixExpansion>(".prefix expansion uuid"), PrefixExpansion{"uuid"});
  EXPECT_EQ(parse_as<PrefixRename>(".prefix rename uuid uid"), (PrefixRename{"uuid", "uid"}));
  EXPECT_EQ(parse_as<PrefixDelete>(".prefix delete uid"), PrefixDelete{"uid"});
  EXPECT_EQ(parse_as<PrefixPrefer>(".prefix prefer uuid4 ext.uuid"), (PrefixPrefer{"uuid4", "ext.uuid"}));
  EXPECT_EQ(parse_as<PrefixUnprefer>(".prefix unprefer uuid4"), PrefixUnprefer{"uuid4"});
  expect_error(".prefix rename uuid 9x", Errc::invalid_value, "9x");
  expect_error(".prefix functions a.b", Errc::invalid_value, "a.b");
  expect_error(".prefix expansion", Errc::missing_argument, ".prefix expansion");
  expect_error(".prefix prefer f", Errc::missing_argument, ".prefix prefer");
  expect_error(".prefix list x", Errc::extra_argument, "x");
  expect_error(".prefix conflicts x", Errc::extra_argument, "x");
  expect_error(".prefix verify --fix", Errc::unknown_flag, "--fix");
}

// ---- .cache and .help

TEST(DotParse, CacheSubcommands) {
  parse_as<CacheList>(".cache list");
  parse_as<CacheStats>(".cache stats");
  parse_as<CacheGc>(".cache gc");
  parse_as<CacheVerify>(".cache verify");
  parse_as<CacheDoctor>(".cache doctor");
  EXPECT_EQ(parse_as<CacheEvict>(".cache evict 64k").bytes, 65536u);
  EXPECT_EQ(parse_as<CacheEvict>(".cache evict 0").bytes, 0u);
  EXPECT_EQ(parse_as<CacheExport>(".cache export '/tmp/out dir/c.sqlite'").path, "/tmp/out dir/c.sqlite");
  EXPECT_EQ(parse_as<CacheImport>(".cache import -- -c.sqlite").path, "-c.sqlite");
  expect_error(".cache evict 99999999999999999999", Errc::out_of_range, "99999999999999999999");
  expect_error(".cache evict lots", parse_size("lots").error().code, "lots");
  expect_error(".cache evict", Errc::missing_argument, ".cache evict");
  expect_error(".cache export", Errc::missing_argument, ".cache export");
  expect_error(".cache import ''", Errc::invalid_value, "");
  const std::string too_long(limits::kMaxPathBytes + 1, 'p');
  expect_error(".cache export " + too_long, Errc::too_long, too_long);
  expect_error(".cache gc --keep 1", Errc::unknown_flag, "--keep");
  expect_error(".cache doctor now", Errc::extra_argument, "now");
}

TEST(DotParse, Help) {
  EXPECT_EQ(parse_as<HelpCommand>(".help"), HelpCommand{});
  EXPECT_EQ(parse_as<HelpCommand>(".help .bundle").topic, ".bundle");
  EXPECT_EQ(parse_as<HelpCommand>(".help prefix").topic, "prefix");
  EXPECT_EQ(parse_as<ReadCommand>(".read 'my script.txt'").path, "my script.txt");
  expect_error(".help a b", Errc::extra_argument, "b");
  expect_hint(expect_error(".hlep", Errc::unknown_command, ".hlep"), "'.help'");
}

// ---- names and usage text

TEST(DotParse, CommandNames) {
  EXPECT_EQ(dot_command_name(parse_dot_line(".load x").value()), "load");
  EXPECT_EQ(dot_command_name(parse_dot_line(".bundle save x").value()), "bundle save");
  EXPECT_EQ(dot_command_name(parse_dot_line(".prefix unprefer f").value()), "prefix unprefer");
  EXPECT_EQ(dot_command_name(parse_dot_line(".cache doctor").value()), "cache doctor");
  EXPECT_EQ(dot_command_name(parse_dot_line(".help").value()), "help");
  EXPECT_EQ(trust_name(Trust::manifest), "manifest");
  EXPECT_EQ(trust_name(Trust::stored), "stored");
  EXPECT_EQ(trust_name(Trust::prompt), "prompt");
}

TEST(DotParse, UsageListsEveryCommand) {
  const std::string all = dot_usage();
  for (const char* synopsis : {".load PATH|URI [--grant=CAP[,CAP...]] [--trust=manifest|stored|prompt] "
                               "[--mem=SIZE] [--timeout=DURATION]",
                               ".bundle save NAME [--no-build]",
                               ".bundle build NAME [--target=TRIPLE]",
                               ".bundle list",
                               ".bundle show NAME|HASH-PREFIX",
                               ".bundle delete NAME",
                               ".bundle alias OLD NEW",
                               ".bundle unalias NAME",
                               ".bundle gc [--keep=N] [--older-than=DURATION]",
                               ".prefix add NAME EXPANSION [DESC]",
                               ".prefix list",
                               ".prefix functions NAME",
                               ".prefix expansion NAME",
                               ".prefix rename OLD NEW",
                               ".prefix delete NAME",
                               ".prefix prefer FUNC EXT",
                               ".prefix unprefer FUNC",
                               ".prefix conflicts",
                               ".prefix verify",
                               ".cache list",
                               ".cache stats",
                               ".cache gc",
                               ".cache evict SIZE",
                               ".cache export PATH",
                               ".cache import PATH",
                               ".cache verify",
                               ".cache doctor",
                               ".help [TOPIC]"}) {
    EXPECT_NE(all.find(std::string("  ") + synopsis + "\n"), std::string::npos) << synopsis;
  }
  const std::string bundle = dot_usage(".bundle");
  EXPECT_EQ(bundle, dot_usage("bundle"));
  EXPECT_NE(bundle.find(".bundle gc"), std::string::npos);
  EXPECT_NE(bundle.find("--older-than"), std::string::npos);
  EXPECT_EQ(bundle.find(".load"), std::string::npos);
  EXPECT_EQ(bundle.find(".prefix"), std::string::npos);
  EXPECT_NE(dot_usage("load").find("--timeout"), std::string::npos);
  EXPECT_EQ(dot_usage("load").find(".cache"), std::string::npos);
  EXPECT_EQ(dot_usage("no-such-topic"), all);
  EXPECT_EQ(dot_usage("."), all);
}

TEST(DotParse, UsageHintsComeFromTheSameTable) {
  // The hint of a usage error is the synopsis that .help prints.
  const Error e = parse_dot_line(".prefix rename a").error();
  EXPECT_EQ(e.hint, "usage: .prefix rename OLD NEW");
  EXPECT_NE(dot_usage(".prefix").find("  .prefix rename OLD NEW\n"), std::string::npos);
}

}  // namespace
}  // namespace sqlink
