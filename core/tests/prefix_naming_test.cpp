// The naming rules of prefixes: identifiers, qualified names, ext_name fallbacks, numbered
// prefixes, and the synthetic declaration with its warnings.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "sqlink/limits.hpp"
#include "sqlink/prefix.hpp"

namespace sqlink {
namespace {

TEST(PrefixNaming, IdentifiersFollowTheGrammarAndTheLimit) {
  for (const char* good : {"fx", "_a1", "Fx_9", "a_b", "_x"}) {
    EXPECT_TRUE(is_prefix_identifier(good)) << good;
  }
  // "__" inside or '_' at the end would let a__b + c and a + b__c both qualify as a__b__c.
  for (const char* bad : {"", "1a", "a-b", "a b", "a.b", "é", "a\x01", "_", "a__b", "a_", "__x"}) {
    EXPECT_FALSE(is_prefix_identifier(bad)) << bad;
  }
  EXPECT_TRUE(is_prefix_identifier(std::string(limits::kMaxNameBytes, 'a')));
  EXPECT_FALSE(is_prefix_identifier(std::string(limits::kMaxNameBytes + 1, 'a')));
}

TEST(PrefixNaming, QualifiedNamesOfValidPrefixesNeverCollide) {
  const std::vector<std::string> prefixes = {"a", "a_b", "ab", "b", "_a"};
  const std::vector<std::string> names = {"c", "b__c", "_c", "__c", "b_c", "x"};
  std::map<std::string, std::pair<std::string, std::string>> seen;
  for (const auto& p : prefixes) {
    ASSERT_TRUE(is_prefix_identifier(p)) << p;
    for (const auto& n : names) {
      const auto [it, fresh] = seen.emplace(qualified_name(p, n), std::make_pair(p, n));
      EXPECT_TRUE(fresh) << qualified_name(p, n) << " from " << p << "+" << n << " and "
                         << it->second.first << "+" << it->second.second;
    }
  }
}

TEST(PrefixNaming, IdentifierFromSanitisesAnyName) {
  EXPECT_EQ(identifier_from("mod_spatialite"), "mod_spatialite");
  EXPECT_EQ(identifier_from("fx-uuid.v2"), "fx_uuid_v2");
  EXPECT_EQ(identifier_from("9lives"), "_9lives");
  EXPECT_EQ(identifier_from(""), "ext");
  EXPECT_EQ(identifier_from("a\nb"), "a_b");
  EXPECT_EQ(identifier_from("a--b__"), "a_b");
  EXPECT_EQ(identifier_from("__"), "ext");
  const std::string cut = identifier_from(std::string(300, 'x'));
  EXPECT_EQ(cut.size(), limits::kMaxNameBytes);
  EXPECT_TRUE(is_prefix_identifier(identifier_from("--..--")));
}

TEST(PrefixNaming, QualifiedFallbackAndNumberedNames) {
  EXPECT_EQ(qualified_name("fx", "hello"), "fx__hello");
  EXPECT_EQ(fallback_name("fx_beta", "hello", 1), "fx_beta_hello");
  EXPECT_EQ(fallback_name("fx_beta", "hello", 2), "fx_beta_hello_2");
  EXPECT_EQ(fallback_name("fx-beta", "hello", kMaxNameAttempts), "fx_beta_hello_999");
  EXPECT_EQ(numbered_prefix("fx", 1), "fx");
  EXPECT_EQ(numbered_prefix("fx", 2), "fx2");
  EXPECT_EQ(numbered_prefix("h3", 3), "h33");
}

TEST(PrefixNaming, KindsAreEncodedInNArgs) {
  EXPECT_EQ(kind_of_n_args(-1), NameKind::function);
  EXPECT_EQ(kind_of_n_args(0), NameKind::function);
  EXPECT_EQ(kind_of_n_args(127), NameKind::function);
  EXPECT_EQ(kind_of_n_args(kCollationArgs), NameKind::collation);
  EXPECT_EQ(kind_of_n_args(kModuleArgs), NameKind::module);
  EXPECT_EQ(name_kind_noun(NameKind::collation), "collation");
}

TEST(PrefixNaming, ADeclaredPrefixAndExpansionAreUsedAsTheyAre) {
  const Declaration d = resolve_declaration("fx_uuid", "uuid", "org.example.uuid");
  EXPECT_FALSE(d.synthetic);
  EXPECT_EQ(d.preferred_prefix, "uuid");
  EXPECT_EQ(d.expansion, "org.example.uuid");
  EXPECT_TRUE(d.warnings.empty());
}

TEST(PrefixNaming, AMissingDeclarationFallsBackToASyntheticOneWithAWarning) {
  const Declaration d = resolve_declaration("fx-nodecl", std::nullopt, "org.example.x");
  EXPECT_TRUE(d.synthetic);
  EXPECT_EQ(d.preferred_prefix, "fx_nodecl");
  EXPECT_EQ(d.expansion, "sqlink-internal://fx-nodecl");
  ASSERT_FALSE(d.warnings.empty());
  EXPECT_NE(d.warnings.front().find("sqlink_preferred_prefix"), std::string::npos);
  EXPECT_NE(d.warnings.front().find("'fx-nodecl'"), std::string::npos);

  const Declaration no_expansion = resolve_declaration("x", "good", std::nullopt);
  EXPECT_TRUE(no_expansion.synthetic);
  EXPECT_EQ(no_expansion.preferred_prefix, "x");
  EXPECT_NE(no_expansion.warnings.front().find("sqlink_prefix_expansion"), std::string::npos);
}

TEST(PrefixNaming, AnInvalidDeclarationIsNamedSanitisedInTheWarning) {
  const Declaration bad_prefix = resolve_declaration("ext", "9x", "org.example");
  EXPECT_TRUE(bad_prefix.synthetic);
  EXPECT_NE(bad_prefix.warnings.front().find("'9x'"), std::string::npos);

  const Declaration bad_expansion = resolve_declaration("ext", "ok", "org\x01x");
  EXPECT_TRUE(bad_expansion.synthetic);
  EXPECT_NE(bad_expansion.warnings.front().find("'org\\x01x'"), std::string::npos);
  EXPECT_FALSE(is_valid_expansion(""));
  EXPECT_FALSE(is_valid_expansion(std::string(limits::kMaxNameBytes + 1, 'e')));
}

TEST(PrefixNaming, IdentifierBytesAreExactlyAsciiLettersDigitsAndUnderscore) {
  for (const char* good : {"Z", "z", "A", "a", "Za", "a0", "a9", "aZ", "zA0_9"}) {
    EXPECT_TRUE(is_prefix_identifier(good)) << good;
  }
  // The ASCII neighbours of each range: '/' ':' '@' '[' '`' '{' are not identifier bytes.
  for (const char* bad : {"[x", "`x", "{x", "^x", "a/b", "a:b", "a@b", "a[b", "a`b", "a{b", "a~"}) {
    EXPECT_FALSE(is_prefix_identifier(bad)) << bad;
  }
}

TEST(PrefixNaming, AnExpansionOfExactlyTheLimitIsValid) {
  EXPECT_TRUE(is_valid_expansion(std::string(limits::kMaxNameBytes, 'e')));
  EXPECT_TRUE(is_valid_expansion("e"));
}

TEST(PrefixNaming, TheSyntheticFallbackIsAnnouncedWithItsValues) {
  const Declaration d = resolve_declaration("fx-nodecl", std::nullopt, "org.example.x");
  ASSERT_EQ(d.warnings.size(), 2u);
  EXPECT_NE(d.warnings.back().find("'fx_nodecl'"), std::string::npos) << d.warnings.back();
  EXPECT_NE(d.warnings.back().find("'sqlink-internal://fx-nodecl'"), std::string::npos) << d.warnings.back();
  EXPECT_TRUE(resolve_declaration("x", "good", "org.example").warnings.empty());
}

}  // namespace
}  // namespace sqlink
