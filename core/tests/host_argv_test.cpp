// The host command line: every flag form, every error path, last-bundle-wins, round trip.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "sqlink/argv.hpp"
#include "sqlink/limits.hpp"

namespace sqlink {
namespace {

Result<HostArgs> parse(std::vector<std::string> args) {
  return parse_host_argv(std::span<const std::string>(args));
}

Error parse_error(std::vector<std::string> args) {
  auto r = parse(std::move(args));
  EXPECT_FALSE(r.ok());
  return r.ok() ? Error{} : r.error();
}

TEST(HostArgv, EmptyIsValid) {
  auto r = parse({});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, HostArgs{});
}

TEST(HostArgv, ParsesEveryFlagInBothForms) {
  auto r = parse({"--db", "my.db", "--cache-dir=/tmp/c", "--bundle-load", "tools", "--grant",
                  "net", "--grant=fs-read,net", "--json", "--check", ".bundle", "list"});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->db, "my.db");
  EXPECT_EQ(r->cache_dir, "/tmp/c");
  ASSERT_TRUE(r->bundle.has_value());
  EXPECT_EQ(r->bundle->mode, BundleMode::load);
  EXPECT_EQ(r->bundle->ref, "tools");
  EXPECT_EQ(format_capabilities(r->grants), "fs-read,net");
  EXPECT_TRUE(r->json);
  EXPECT_TRUE(r->check);
  EXPECT_EQ(r->command, (std::vector<std::string>{".bundle", "list"}));
}

TEST(HostArgv, TheLastBundleFlagWins) {
  auto r = parse({"--bundle", "a", "--bundle-baked=b", "--bundle-load", "c", "--bundle", "d"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->bundle, (BundleRef{BundleMode::automatic, "d"}));
  r = parse({"--bundle-load", "c", "--bundle-baked", "e"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->bundle, (BundleRef{BundleMode::baked, "e"}));
}

TEST(HostArgv, LaterPathFlagsReplaceEarlierOnes) {
  auto r = parse({"--db", "a.db", "--db=b.db"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->db, "b.db");
}

TEST(HostArgv, DoubleDashEndsFlagsAndCommandWordsAreUntouched) {
  auto r = parse({"--json", "--", ".load", "--grant=net", "x.so"});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->json);
  EXPECT_TRUE(r->grants.empty());
  EXPECT_EQ(r->command, (std::vector<std::string>{".load", "--grant=net", "x.so"}));
  r = parse({".load", "--db", "x"});  // flags after the command belong to it
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->db.has_value());
}

TEST(HostArgv, MissingValuesNameTheFlag) {
  auto e = parse_error({"--bundle"});
  EXPECT_EQ(e.code, Errc::missing_value);
  EXPECT_EQ(e.message, "--bundle expects a NAME or HASH-PREFIX");
  EXPECT_EQ(parse_error({"--db"}).message, "--db expects a PATH");
  EXPECT_EQ(parse_error({"--cache-dir="}).message, "--cache-dir expects a PATH");
  EXPECT_EQ(parse_error({"--grant"}).message, "--grant expects a CAP[,CAP...] list");
  EXPECT_EQ(parse_error({"--bundle-baked", ""}).code, Errc::missing_value);
}

TEST(HostArgv, AFlagAfterAValueFlagIsAForgottenValue) {
  auto e = parse_error({"--bundle", "--json"});
  EXPECT_EQ(e.code, Errc::missing_value);
  EXPECT_EQ(e.message, "--bundle expects a NAME or HASH-PREFIX, got '--json'");
  EXPECT_EQ(e.input, "--json");
  EXPECT_NE(e.hint.find("--bundle=VALUE"), std::string::npos);
  // The = form takes a value that starts with '-'.
  auto r = parse({"--db=-odd.db"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->db, "-odd.db");
}

TEST(HostArgv, UnknownFlagsSuggestTheNearest) {
  auto e = parse_error({"--bundel", "x"});
  EXPECT_EQ(e.code, Errc::unknown_flag);
  EXPECT_EQ(e.message, "unknown flag '--bundel'");
  EXPECT_EQ(e.hint, "did you mean '--bundle'?");
  EXPECT_EQ(parse_error({"--cache_dir=x"}).hint, "did you mean '--cache-dir'?");
  EXPECT_EQ(parse_error({"--jsno"}).hint, "did you mean '--json'?");
  EXPECT_EQ(parse_error({"--completely-different"}).hint, "see sqlink --help");
  EXPECT_EQ(parse_error({"-x"}).code, Errc::unknown_flag);
}

TEST(HostArgv, SwitchesRefuseValues) {
  auto e = parse_error({"--json=yes"});
  EXPECT_EQ(e.code, Errc::unexpected_value);
  EXPECT_NE(e.message.find("'--json=yes'"), std::string::npos);
}

TEST(HostArgv, ValuesAreBoundedAndControlFree) {
  EXPECT_EQ(parse_error({"--db", std::string("a\0b", 3)}).code, Errc::control_character);
  EXPECT_EQ(parse_error({"--bundle", "x\x1b"}).input, "x\\x1b");
  EXPECT_EQ(parse_error({"--bundle", std::string(257, 'a')}).code, Errc::too_long);
  EXPECT_TRUE(parse({"--bundle", std::string(256, 'a')}).ok());
  EXPECT_EQ(parse_error({"--db", std::string(4097, 'a')}).code, Errc::too_long);
  EXPECT_EQ(parse_error({"--grant", "net,bogus"}).code, Errc::unknown_capability);
  EXPECT_EQ(parse_error(std::vector<std::string>(2000, "--json")).code, Errc::too_long);
}

TEST(HostArgv, TheCommandMustBeADotCommand) {
  auto e = parse_error({"bundle", "list"});
  EXPECT_EQ(e.code, Errc::unknown_command);
  EXPECT_NE(e.message.find("'bundle'"), std::string::npos);
  EXPECT_EQ(parse_error({"--", ""}).code, Errc::unknown_command);
  EXPECT_EQ(parse_error({"-"}).code, Errc::unknown_command);
}

TEST(HostArgv, HelpAndVersion) {
  EXPECT_TRUE(parse({"--help"})->help);
  EXPECT_TRUE(parse({"-h"})->help);
  EXPECT_TRUE(parse({"--version"})->version);
}

TEST(HostArgv, UsageIsGeneratedFromTheFlagTable) {
  const std::string usage = host_usage();
  for (const char* flag : {"--db PATH", "--cache-dir PATH", "--bundle NAME|HASH-PREFIX",
                           "--bundle-baked", "--bundle-load", "--grant CAP[,CAP...]", "--json",
                           "--check", "--help", "--version", "spawn-build"}) {
    EXPECT_NE(usage.find(flag), std::string::npos) << flag;
  }
}

TEST(HostArgv, ArgcArgvEntrySkipsTheProgramName) {
  const char* argv[] = {"sqlink", "--json", ".cache", "stats"};
  auto r = parse_host_argv(4, argv);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->json);
  EXPECT_EQ(r->command.size(), 2u);
}

TEST(HostArgv, AnArgcOfZeroHasNoArguments) {
  // Linux lets a program be started with an empty argv; argv[0] is then already the end.
  const char* argv[] = {nullptr, "--json", ".cache", "stats", nullptr};
  auto r = parse_host_argv(0, argv);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, HostArgs{});
}

TEST(HostArgv, PrintThenParseGivesTheSameArgs) {
  std::mt19937 rng(1234);
  const std::vector<std::string> words = {"a.db", "-dash", "x y", "tools", "ab12", "/p/q", "é"};
  for (int i = 0; i < 5000; ++i) {
    HostArgs a;
    auto pick = [&] { return words[rng() % words.size()]; };
    if (rng() % 2) a.db = pick();
    if (rng() % 2) a.cache_dir = pick();
    if (rng() % 2) a.bundle = BundleRef{static_cast<BundleMode>(rng() % 3), pick()};
    for (const Capability c : all_capabilities()) {
      if (rng() % 3 == 0) a.grants.insert(c);
    }
    a.json = rng() % 2;
    a.check = rng() % 2;
    a.help = rng() % 5 == 0;
    a.version = rng() % 5 == 0;
    if (rng() % 2) a.command = {".bundle", pick(), "--keep", pick()};
    auto back = parse_host_argv(format_host_argv(a));
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(*back, a);
  }
}

TEST(HostArgv, ExactlyTheArgumentLimitIsAccepted) {
  std::vector<std::string> args(limits::kMaxArgs, "x");
  args[0] = ".load";
  auto r = parse(args);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->command.size(), limits::kMaxArgs);
  args.push_back("x");
  EXPECT_EQ(parse_error(args).code, Errc::too_long);
}

TEST(HostArgv, ValuesWithADashInsideOrALoneDashAreValues) {
  // Only a word that looks like a flag ("-x", "--json") is a forgotten value; "-" and words
  // with a dash after the first byte are values.
  auto r = parse({"--db", "-", "--cache-dir", "a-dir"});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->db, "-");
  EXPECT_EQ(r->cache_dir, "a-dir");
  r = parse({"--bundle", "my-tools"});
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_TRUE(r->bundle.has_value());
  EXPECT_EQ(r->bundle->ref, "my-tools");
}

TEST(HostArgv, EmptyArgumentsAfterTheDotCommandAreKept) {
  auto r = parse({".cache", "", "x"});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->command, (std::vector<std::string>{".cache", "", "x"}));
}

TEST(Nearest, OnlySuggestsPlausibleTypos) {
  const std::vector<std::string_view> c = {"--db", "--bundle", "--bundle-load", "--json"};
  EXPECT_EQ(nearest("--bundle-lod", c), "--bundle-load");
  EXPECT_EQ(nearest("--bnudle", c), "--bundle");  // a transposition is one edit
  EXPECT_EQ(nearest("--zzzzzzzz", c), std::nullopt);
  EXPECT_EQ(nearest("", c), std::nullopt);
  EXPECT_EQ(nearest(std::string(1000, 'x'), c), std::nullopt);
}

TEST(Nearest, ShortWordsAllowOneEditAndLongCandidatesAreNeverCompared) {
  const std::vector<std::string_view> two = {"ac"};
  EXPECT_EQ(nearest("ab", two), "ac");  // a third of 2 is 0, but one edit is always allowed
  EXPECT_EQ(nearest("b", std::vector<std::string_view>{"a"}), "a");
  EXPECT_EQ(nearest("xy", two), std::nullopt);
  // 64 bytes is the most compared, on either side
  const std::string at_limit(64, 'a'), over(65, 'a');
  const std::vector<std::string_view> longer = {over};
  EXPECT_EQ(nearest(at_limit, longer), std::nullopt);
  const std::vector<std::string_view> same_size = {at_limit};
  EXPECT_EQ(nearest(std::string(63, 'a') + "b", same_size), at_limit);
  // the first of equally near candidates wins
  const std::vector<std::string_view> ties = {"--dbx", "--dby"};
  EXPECT_EQ(nearest("--db", ties), "--dbx");
}

TEST(Nearest, DistanceCountsEveryEditOfBothWords) {
  using Words = std::vector<std::string_view>;
  // A word much shorter than the candidate is not a typo of it: every missing byte counts.
  EXPECT_EQ(nearest("q", Words{"abcd"}), std::nullopt);
  EXPECT_EQ(nearest("load", Words{"xxxxload"}), std::nullopt);
  // One edit on a four-byte word is allowed (a third of four, but always one), two are not.
  EXPECT_EQ(nearest("lod", Words{"load"}), "load");
  EXPECT_EQ(nearest("ld", Words{"load"}), std::nullopt);
  // Swapping two adjacent bytes is one edit; bytes that merely appear elsewhere are not.
  EXPECT_EQ(nearest("bacd", Words{"abcd"}), "abcd");
  EXPECT_EQ(nearest("ax", Words{"ya"}), std::nullopt);
  // An empty word suggests nothing, even against a one-byte candidate.
  EXPECT_EQ(nearest("", Words{"x"}), std::nullopt);
}

TEST(Nearest, TheClosestCandidateWinsAndTheFirstOfEqualOnes) {
  using Words = std::vector<std::string_view>;
  EXPECT_EQ(nearest("load", Words{"load", "lod"}), "load");
  EXPECT_EQ(nearest("load", Words{"lod", "load"}), "load");
  // "bacd" is one edit from both (a substitution, a transposition): the first one listed wins.
  EXPECT_EQ(nearest("bacd", Words{"bacx", "abcd"}), "bacx");
  EXPECT_EQ(nearest("bacd", Words{"abcd", "bacx"}), "abcd");
}

TEST(Nearest, WordsUpTo64BytesAreCompared) {
  using Words = std::vector<std::string_view>;
  const std::string x63(63, 'x'), x64(64, 'x'), x65(65, 'x');
  EXPECT_EQ(nearest(x64, Words{x63}), x63);
  EXPECT_EQ(nearest(x63, Words{x64}), x64);
  EXPECT_EQ(nearest(x65, Words{x64}), std::nullopt);
}

TEST(Nearest, OnlyTheWordsOwnBytesAreCompared) {
  using Words = std::vector<std::string_view>;
  // Views into larger buffers: the bytes around a word must never take part in an edit.
  const std::string buffer = "yx";
  const std::string_view x = std::string_view(buffer).substr(1);  // "x", preceded by 'y'
  // "x" is five edits from "zzzzxy"; the 'y' before it must not make the tail a transposition.
  EXPECT_EQ(nearest(x, Words{"zzzzxy"}), std::nullopt);
  // One edit from both; had the 'y' counted, "yx" would be nearer than the first, "xx".
  EXPECT_EQ(nearest(x, Words{"xx", "yx"}), "xx");
  // The same for the candidate: "b" preceded by 'a' is not "ab".
  const std::string other = "ab";
  const std::string_view b = std::string_view(other).substr(1);
  EXPECT_EQ(nearest("ba", Words{b}), "b");
  EXPECT_EQ(nearest("zzba", Words{b}), std::nullopt);  // three edits, not a transposition
}

TEST(Nearest, ACandidateFarOverTheLimitIsSkippedEvenWhenItWouldBeNear) {
  using Words = std::vector<std::string_view>;
  // 64 matching bytes and 21 more: within a third of 85, but never compared.
  const std::string word(64, 'a');
  const std::string candidate = word + std::string(21, 'b');
  EXPECT_EQ(nearest(word, Words{candidate}), std::nullopt);
  const std::string huge = word + std::string(400, 'b');
  EXPECT_EQ(nearest(word, Words{huge, "aaaa"}), std::nullopt);
}

}  // namespace
}  // namespace sqlink
