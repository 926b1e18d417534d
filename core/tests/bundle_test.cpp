// Bundles on a real store: set_hash identity, save (create / touch / conflict / alias),
// resolution by name and by hash prefix (never by LIKE pattern), names, gc and binaries.
#include "sqlink/bundle.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "cas_support.hpp"
#include "sqlink/cas.hpp"
#include "sqlink/limits.hpp"

namespace sqlink {
namespace {

using cas_testing::exec_sql;
using cas_testing::FakeClock;
using cas_testing::scalar;
using cas_testing::TempDir;

TEST(BundleSetHash, IsSha256OfSortedNameHexLines) {
  const Hash x = sha256("x"), y = sha256("y");
  const std::string text = "a\n" + y.hex() + "\nb\n" + x.hex() + "\n";
  const BundleMember forward[] = {{"a", y}, {"b", x}};
  const BundleMember backward[] = {{"b", x}, {"a", y}};
  EXPECT_EQ(bundle_set_hash(forward), sha256(text));
  EXPECT_EQ(bundle_set_hash(backward), sha256(text));
}

TEST(BundleSetHash, ChangesWithAnyNameOrHash) {
  const Hash x = sha256("x"), y = sha256("y");
  const BundleMember base[] = {{"a", x}};
  const BundleMember renamed[] = {{"b", x}};
  const BundleMember rehashed[] = {{"a", y}};
  EXPECT_NE(bundle_set_hash(base), bundle_set_hash(renamed));
  EXPECT_NE(bundle_set_hash(base), bundle_set_hash(rehashed));
}

TEST(BundleName, FollowsTheLimits) {
  EXPECT_TRUE(check_bundle_name(std::string(limits::kMaxNameBytes, 'n')).ok());
  EXPECT_EQ(check_bundle_name(std::string(limits::kMaxNameBytes + 1, 'n')).error().code,
            Errc::too_long);
  EXPECT_EQ(check_bundle_name("").error().code, Errc::missing_argument);
  EXPECT_EQ(check_bundle_name(std::string("a\0b", 3)).error().code, Errc::control_character);
  EXPECT_EQ(check_bundle_name("tab\there").error().code, Errc::control_character);
  EXPECT_EQ(check_bundle_name("del\x7f").error().code, Errc::control_character);
  EXPECT_TRUE(check_bundle_name("ünïcode name").ok());
}

class BundleTest : public ::testing::Test {
 protected:
  BundleTest() {
    CasOptions options;
    options.clock = clock.fn();
    auto s = CasStore::open(dir.file("cas.sqlite"), options);
    if (!s.ok()) std::abort();
    store.emplace(std::move(s).value());
  }
  // Stores `bytes` and returns the member (name, hash of bytes).
  BundleMember member(const std::string& name, const std::string& bytes) {
    auto h = store->put(bytes);
    EXPECT_TRUE(h.ok());
    return {name, *h};
  }
  Result<BundleSaveOutcome> save(const std::string& name, std::vector<BundleMember> members) {
    return bundle_save(*store, name, members);
  }
  TempDir dir;
  FakeClock clock;
  std::optional<CasStore> store;
};

TEST_F(BundleTest, SaveCreatesAndResolvesByName) {
  auto r = save("web", {member("uuid", "uuid v1"), member("regex", "regex v1")});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->kind, BundleSaveOutcome::Kind::created);
  auto d = bundle_resolve(*store, "web");
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->info.set_hash, r->set_hash);
  ASSERT_EQ(d->members.size(), 2u);
  EXPECT_EQ(d->members[0].extension_name, "regex");  // by name
  EXPECT_EQ(d->members[1].content_hash, sha256("uuid v1"));
  EXPECT_TRUE(d->missing.empty());
  EXPECT_EQ(d->info.aliases, std::vector<std::string>{"web"});
}

TEST_F(BundleTest, SavingTheSameSetUnderTheSameNameTouchesIt) {
  const auto m = member("uuid", "uuid v1");
  ASSERT_TRUE(save("web", {m}).ok());
  clock.advance(60);
  auto again = save("web", {m});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->kind, BundleSaveOutcome::Kind::touched);
  auto info = bundle_find(*store, "web");
  EXPECT_EQ(info->last_used_at, *clock.now);
  EXPECT_EQ(info->created_at, *clock.now - 60);
  EXPECT_EQ(store->stats()->bundles, 1u);
}

TEST_F(BundleTest, SavingAnotherSetUnderABoundNameConflicts) {
  auto first = save("web", {member("uuid", "uuid v1")});
  ASSERT_TRUE(first.ok());
  auto second = save("web", {member("uuid", "uuid v2")});
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, Errc::conflict);
  EXPECT_NE(second.error().message.find("bundle 'web' is already bound to " +
                                        first->set_hash.hex().substr(0, 12)),
            std::string::npos)
      << second.error().message;
  EXPECT_EQ(bundle_resolve(*store, "web")->members[0].content_hash, sha256("uuid v1"));
}

TEST_F(BundleTest, AKnownSetUnderANewNameGainsAnAlias) {
  const auto m = member("uuid", "uuid v1");
  auto first = save("web", {m});
  auto second = save("api", {m});
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->kind, BundleSaveOutcome::Kind::aliased);
  EXPECT_EQ(second->id, first->id);
  auto info = bundle_find(*store, "api");
  EXPECT_EQ(info->aliases, (std::vector<std::string>{"api", "web"}));
  EXPECT_EQ(info->name, "web");
  EXPECT_EQ(store->stats()->bundles, 1u);
}

TEST_F(BundleTest, SaveNeedsEveryMemberInTheCache) {
  auto r = save("web", {member("uuid", "uuid v1"), {"ghost", sha256("not stored")}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::not_found);
  EXPECT_NE(r.error().message.find("'ghost'"), std::string::npos) << r.error().message;
  EXPECT_EQ(store->stats()->bundles, 0u);
}

TEST_F(BundleTest, SaveRefusesEmptyDuplicateAndBadlyNamedMembers) {
  EXPECT_EQ(save("web", {}).error().code, Errc::missing_argument);
  const auto m = member("uuid", "uuid v1");
  EXPECT_EQ(save("web", {m, m}).error().code, Errc::invalid_value);
  EXPECT_EQ(save("web", {{"bad\x01name", m.content_hash}}).error().code, Errc::control_character);
  EXPECT_EQ(save(std::string(limits::kMaxNameBytes + 1, 'w'), {m}).error().code, Errc::too_long);
}

TEST_F(BundleTest, ResolvesByHashPrefixInEitherCase) {
  auto r = save("web", {member("uuid", "uuid v1")});
  const std::string hex = r->set_hash.hex();
  for (const std::string& ref : {hex, hex.substr(0, 8), hex.substr(0, 1)}) {
    auto info = bundle_find(*store, ref);
    ASSERT_TRUE(info.ok()) << ref << ": " << info.error().message;
    EXPECT_EQ(info->id, r->id);
  }
  std::string upper = hex.substr(0, 10);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(bundle_find(*store, upper)->id, r->id);
}

TEST_F(BundleTest, AnExactNameWinsOverAHashPrefix) {
  auto named = save("solo", {member("a", "a")});
  const std::string prefix = named->set_hash.hex().substr(0, 6);
  // Another bundle whose *name* is the first bundle's hash prefix.
  auto other = save(prefix, {member("b", "b")});
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(bundle_find(*store, prefix)->id, other->id);
}

TEST_F(BundleTest, APrefixMatchingSeveralBundlesIsAmbiguous) {
  // 17 sets: two of them must share their first hex digit.
  std::map<char, int> first_digit;
  char shared = 0;
  for (int i = 0; i < 17; ++i) {
    auto r = save("b" + std::to_string(i), {member("e", "bytes " + std::to_string(i))});
    ASSERT_TRUE(r.ok());
    if (++first_digit[r->set_hash.hex()[0]] == 2 && shared == 0) shared = r->set_hash.hex()[0];
  }
  ASSERT_NE(shared, 0);
  const std::string ref(1, shared);
  auto r = bundle_find(*store, ref);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::ambiguous);
  EXPECT_NE(r.error().message.find("ambiguous hash prefix '" + ref + "' matching " +
                                   std::to_string(first_digit[shared]) + " bundles"),
            std::string::npos)
      << r.error().message;
}

TEST_F(BundleTest, LikeWildcardsMatchNothing) {
  ASSERT_TRUE(save("web", {member("e", "x")}).ok());
  for (const std::string ref : {"%", "_", "%%", "a%", "_%", "*", "?"}) {
    auto r = bundle_find(*store, ref);
    ASSERT_FALSE(r.ok()) << ref;
    EXPECT_EQ(r.error().code, Errc::not_found) << ref;
  }
}

TEST_F(BundleTest, UnknownReferencesAndOverlongPrefixesAreNotFound) {
  auto r = save("web", {member("e", "x")});
  for (const std::string& ref :
       {std::string("nope"), r->set_hash.hex() + "0", std::string(limits::kMaxHashBytes, 'a')}) {
    auto found = bundle_find(*store, ref);
    ASSERT_FALSE(found.ok()) << ref;
    EXPECT_EQ(found.error().code, Errc::not_found);
  }
  EXPECT_EQ(bundle_find(*store, "").error().code, Errc::missing_argument);
  EXPECT_EQ(bundle_find(*store, "a\nb").error().code, Errc::control_character);
}

TEST_F(BundleTest, AMissingMemberIsNamedWithHowToAddIt) {
  const auto keep = member("keep", "keep bytes");
  const auto lost = member("lost", "lost bytes");
  ASSERT_TRUE(save("web", {keep, lost}).ok());
  // Behind the store's back: no foreign key ties members to artifacts.
  ASSERT_EQ(exec_sql(dir.file("cas.sqlite"),
                     "DELETE FROM __cas_artifact WHERE hash = x'" + lost.content_hash.hex() + "'"),
            "");
  auto shown = bundle_show(*store, "web");
  ASSERT_TRUE(shown.ok());
  EXPECT_EQ(shown->missing, std::vector<std::string>{"lost"});
  auto r = bundle_resolve(*store, "web");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::not_found);
  EXPECT_NE(r.error().message.find("extension 'lost'"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().hint.find(".load the extension again, then .bundle save web"),
            std::string::npos)
      << r.error().hint;
}

TEST_F(BundleTest, AliasAddsANameAndRefusesOneBoundElsewhere) {
  auto web = save("web", {member("a", "a")});
  auto api = save("api", {member("b", "b")});
  ASSERT_TRUE(bundle_alias(*store, "web", "site").ok());
  EXPECT_EQ(bundle_find(*store, "site")->id, web->id);
  EXPECT_TRUE(bundle_alias(*store, "web", "site").ok());  // already so: a no-op
  auto clash = bundle_alias(*store, "web", "api");
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(clash.error().code, Errc::conflict);
  EXPECT_EQ(bundle_find(*store, "api")->id, api->id);
  // The old reference may be a hash prefix.
  ASSERT_TRUE(bundle_alias(*store, api->set_hash.hex().substr(0, 16), "api2").ok());
  EXPECT_EQ(bundle_find(*store, "api2")->id, api->id);
}

TEST_F(BundleTest, UnaliasRemovesANameButNeverTheLastOne) {
  ASSERT_TRUE(save("web", {member("a", "a")}).ok());
  ASSERT_TRUE(bundle_alias(*store, "web", "site").ok());
  ASSERT_TRUE(bundle_unalias(*store, "web").ok());
  EXPECT_EQ(bundle_find(*store, "web").error().code, Errc::not_found);
  auto info = bundle_find(*store, "site");
  EXPECT_EQ(info->name, "site");  // the display name followed
  auto last = bundle_unalias(*store, "site");
  ASSERT_FALSE(last.ok());
  EXPECT_EQ(last.error().code, Errc::conflict);
  EXPECT_TRUE(bundle_find(*store, "site").ok());
  EXPECT_EQ(bundle_unalias(*store, "nope").error().code, Errc::not_found);
}

TEST_F(BundleTest, DeleteRemovesTheBundleWithItsNamesMembersAndBinaries) {
  ASSERT_TRUE(save("web", {member("a", "a")}).ok());
  ASSERT_TRUE(bundle_alias(*store, "web", "site").ok());
  ASSERT_TRUE(bundle_record_binary(*store, "web", "x86_64-unknown-linux-gnu", "/opt/w").ok());
  auto gone = bundle_delete(*store, "site");
  ASSERT_TRUE(gone.ok()) << gone.error().message;
  EXPECT_EQ(gone->aliases, (std::vector<std::string>{"site", "web"}));
  const auto path = dir.file("cas.sqlite");
  EXPECT_EQ(scalar(path, "SELECT count(*) FROM __cas_bundle"), "0");
  EXPECT_EQ(scalar(path, "SELECT count(*) FROM __cas_bundle_alias"), "0");
  EXPECT_EQ(scalar(path, "SELECT count(*) FROM __cas_bundle_member"), "0");
  EXPECT_EQ(scalar(path, "SELECT count(*) FROM __cas_bundle_binary"), "0");
  EXPECT_TRUE(*store->contains(sha256("a")));  // the CAS gc decides about the bytes
  EXPECT_EQ(bundle_delete(*store, "web").error().code, Errc::not_found);
}

TEST_F(BundleTest, ListShowsEveryBundleWithCountsAndNames) {
  ASSERT_TRUE(save("web", {member("a", "a"), member("b", "b")}).ok());
  ASSERT_TRUE(save("api", {member("c", "c")}).ok());
  ASSERT_TRUE(bundle_alias(*store, "web", "zsite").ok());
  auto list = bundle_list(*store);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "api");
  EXPECT_EQ((*list)[0].member_count, 1u);
  EXPECT_EQ((*list)[1].aliases, (std::vector<std::string>{"web", "zsite"}));
  EXPECT_EQ((*list)[1].member_count, 2u);
}

TEST_F(BundleTest, GcKeepsTheMostRecentlyUsed) {
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(save("b" + std::to_string(i), {member("e", std::to_string(i))}).ok());
    clock.advance(10);
  }
  ASSERT_TRUE(bundle_resolve(*store, "b0").ok());  // b0 becomes the most recent
  auto removed = bundle_gc(*store, {2, std::nullopt});
  ASSERT_TRUE(removed.ok()) << removed.error().message;
  ASSERT_EQ(removed->size(), 2u);
  EXPECT_TRUE(bundle_find(*store, "b0").ok());
  EXPECT_TRUE(bundle_find(*store, "b3").ok());
  EXPECT_FALSE(bundle_find(*store, "b1").ok());
  EXPECT_FALSE(bundle_find(*store, "b2").ok());
}

TEST_F(BundleTest, GcOlderThanRemovesOnlyStaleBundles) {
  ASSERT_TRUE(save("old", {member("e", "old")}).ok());
  clock.advance(3 * 86400);
  ASSERT_TRUE(save("new", {member("e", "new")}).ok());
  auto removed = bundle_gc(*store, {std::nullopt, std::chrono::hours(24)});
  ASSERT_TRUE(removed.ok());
  ASSERT_EQ(removed->size(), 1u);
  EXPECT_EQ(removed->front().name, "old");
  EXPECT_TRUE(bundle_find(*store, "new").ok());
}

TEST_F(BundleTest, GcWithBothRulesRemovesOnlyWhatBothWouldRemove) {
  ASSERT_TRUE(save("a", {member("e", "a")}).ok());
  ASSERT_TRUE(save("b", {member("e", "b")}).ok());
  clock.advance(10 * 86400);
  ASSERT_TRUE(save("c", {member("e", "c")}).ok());
  // keep 2 protects c and the newer of a/b; older-than protects only c.
  auto removed = bundle_gc(*store, {2, std::chrono::hours(24)});
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(removed->size(), 1u);
  EXPECT_EQ(store->stats()->bundles, 2u);
}

TEST_F(BundleTest, SeveralMissingMembersAreCountedAndTheFirstFewNamed) {
  std::vector<BundleMember> members;
  for (const char* name : {"a", "b", "c", "d", "e", "keep"}) members.push_back(member(name, name));
  ASSERT_TRUE(save("web", members).ok());
  const auto drop = [&](const BundleMember& m) {
    ASSERT_EQ(exec_sql(dir.file("cas.sqlite"),
                       "DELETE FROM __cas_artifact WHERE hash = x'" + m.content_hash.hex() + "'"),
              "");
  };
  drop(members[1]);  // b alone: no count
  auto r = bundle_resolve(*store, "web");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().input, "b");
  EXPECT_NE(r.error().message.find("extension 'b' (sha256:" + members[1].content_hash.hex().substr(0, 12)),
            std::string::npos)
      << r.error().message;
  EXPECT_EQ(r.error().message.find("nor are"), std::string::npos) << r.error().message;
  drop(members[3]);  // b and d
  r = bundle_resolve(*store, "web");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("is not in the cache, nor are 1 more 'd'"), std::string::npos)
      << r.error().message;
  drop(members[0]);
  drop(members[2]);
  drop(members[4]);  // a..e: the first is named, then a count and at most three more names
  r = bundle_resolve(*store, "web");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("extension 'a' (sha256:" + members[0].content_hash.hex().substr(0, 12)),
            std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().message.find("nor are 4 more 'b' 'c' 'd'"), std::string::npos) << r.error().message;
  EXPECT_EQ(r.error().message.find("'e'"), std::string::npos) << r.error().message;
}

TEST_F(BundleTest, ShowListsBinariesWithTripleAndPath) {
  ASSERT_TRUE(save("web", {member("a", "a")}).ok());
  ASSERT_TRUE(bundle_record_binary(*store, "web", "x86_64-unknown-linux-gnu", "/opt/web.so").ok());
  auto shown = bundle_show(*store, "web");
  ASSERT_TRUE(shown.ok()) << shown.error().message;
  ASSERT_EQ(shown->binaries.size(), 1u);
  EXPECT_EQ(shown->binaries[0], (BundleBinary{"x86_64-unknown-linux-gnu", "/opt/web.so", *clock.now}));
}

TEST_F(BundleTest, ListIsByNameWhateverTheRecency) {
  ASSERT_TRUE(save("alpha", {member("e", "1")}).ok());
  clock.advance(10);
  ASSERT_TRUE(save("beta", {member("e", "2")}).ok());
  clock.advance(10);
  ASSERT_TRUE(bundle_resolve(*store, "alpha").ok());
  ASSERT_TRUE(store->flush().ok());
  clock.advance(10);
  ASSERT_TRUE(save("gamma", {member("e", "3")}).ok());
  auto list = bundle_list(*store);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[0].name, "alpha");
  EXPECT_EQ((*list)[1].name, "beta");
  EXPECT_EQ((*list)[2].name, "gamma");
}

TEST_F(BundleTest, GcOlderThanKeepsWhatIsNotOlderAndTakesTheMostRecentToo) {
  ASSERT_TRUE(save("day", {member("e", "day")}).ok());
  clock.advance(86400 - 3600);
  ASSERT_TRUE(save("hour", {member("e", "hour")}).ok());
  clock.advance(3600);  // "day" is now exactly 24h old, "hour" one hour
  auto removed = bundle_gc(*store, {std::nullopt, std::chrono::hours(24)});
  ASSERT_TRUE(removed.ok()) << removed.error().message;
  EXPECT_TRUE(removed->empty());
  clock.advance(1);
  ASSERT_TRUE(save("now", {member("e", "now")}).ok());
  clock.advance(1);  // "now" is exactly one second old
  removed = bundle_gc(*store, {std::nullopt, std::chrono::seconds(1)});
  ASSERT_TRUE(removed.ok());
  ASSERT_EQ(removed->size(), 2u);  // day and hour; "now" is not older than 1s
  EXPECT_TRUE(bundle_find(*store, "now").ok());
  // Everything older than zero seconds goes, the most recent bundle included.
  clock.advance(5);
  removed = bundle_gc(*store, {std::nullopt, std::chrono::seconds(0)});
  ASSERT_TRUE(removed.ok()) << removed.error().message;
  ASSERT_EQ(removed->size(), 1u);
  EXPECT_EQ(removed->front().name, "now");
}

TEST_F(BundleTest, GcRefusesANegativeAge) {
  ASSERT_TRUE(save("a", {member("e", "a")}).ok());
  auto r = bundle_gc(*store, {std::nullopt, std::chrono::seconds(-1)});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::out_of_range);
  EXPECT_TRUE(bundle_find(*store, "a").ok());
}

TEST_F(BundleTest, GcNeedsARule) {
  auto r = bundle_gc(*store, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::invalid_value);
}

TEST_F(BundleTest, BinariesAreRecordedPerTripleAndReplaced) {
  ASSERT_TRUE(save("web", {member("a", "a")}).ok());
  ASSERT_TRUE(bundle_record_binary(*store, "web", "x86_64-unknown-linux-gnu", "/opt/v1").ok());
  clock.advance(5);
  ASSERT_TRUE(bundle_record_binary(*store, "web", "x86_64-unknown-linux-gnu", "/opt/v2").ok());
  auto bin = bundle_find_binary(*store, "web", "x86_64-unknown-linux-gnu");
  ASSERT_TRUE(bin.ok());
  EXPECT_EQ(bin->binary_path, "/opt/v2");
  EXPECT_EQ(bin->built_at, *clock.now);
  auto none = bundle_find_binary(*store, "web", "aarch64-unknown-linux-gnu");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, Errc::not_found);
}

TEST_F(BundleTest, TriplesMustMatchTheGrammar) {
  ASSERT_TRUE(save("web", {member("a", "a")}).ok());
  for (const std::string bad : {"X86_64", "x86 64", "x86/64", "", "a.b", "a{", "a~", "a:"}) {
    auto r = bundle_record_binary(*store, "web", bad, "/opt/x");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, Errc::invalid_value) << bad;
  }
  // Every byte of the grammar at both ends of its ranges, and the longest triple.
  EXPECT_TRUE(bundle_record_binary(*store, "web", "az09_-", "/opt/x").ok());
  EXPECT_TRUE(bundle_record_binary(*store, "web", std::string(limits::kMaxTripleBytes, 'z'), "/x").ok());
  EXPECT_EQ(bundle_record_binary(*store, "web", std::string(limits::kMaxTripleBytes + 1, 'a'), "/x")
                .error()
                .code,
            Errc::too_long);
  EXPECT_EQ(bundle_record_binary(*store, "web", "x", std::string("/a\nb")).error().code,
            Errc::control_character);
}

TEST_F(BundleTest, BinaryPathsRefuseControlBytesAndOverlongPathsNamingThem) {
  ASSERT_TRUE(save("web", {member("a", "a")}).ok());
  const std::string triple = "x86_64-unknown-linux-gnu";
  for (const std::string& bad : {std::string("/a\x1f" "b"), std::string("/a\x7f" "b"), std::string("/a\0b", 4),
                                std::string("/a\x01")}) {
    auto r = bundle_record_binary(*store, "web", triple, bad);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::control_character);
    EXPECT_NE(r.error().message.find("binary path"), std::string::npos) << r.error().message;
  }
  // a space and a tilde are plain bytes; the limit is inclusive
  EXPECT_TRUE(bundle_record_binary(*store, "web", triple, "/opt/my web~").ok());
  const std::string at_limit = "/" + std::string(limits::kMaxPathBytes - 1, 'p');
  ASSERT_TRUE(bundle_record_binary(*store, "web", triple, at_limit).ok());
  EXPECT_EQ(bundle_find_binary(*store, "web", triple)->binary_path, at_limit);
  auto over = bundle_record_binary(*store, "web", triple, at_limit + "p");
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, Errc::too_long);
  EXPECT_EQ(bundle_record_binary(*store, "web", triple, "").error().code, Errc::missing_argument);
}

TEST_F(BundleTest, ResolveCountsAsAUseWithoutWritingAtOnce) {
  ASSERT_TRUE(save("web", {member("a", "a")}).ok());
  const std::string before =
      scalar(dir.file("cas.sqlite"), "SELECT last_used_at FROM __cas_bundle");
  clock.advance(100);
  auto d = bundle_resolve(*store, "web");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->info.last_used_at, *clock.now);
  EXPECT_EQ(scalar(dir.file("cas.sqlite"), "SELECT last_used_at FROM __cas_bundle"), before);
  ASSERT_TRUE(store->flush().ok());
  EXPECT_EQ(scalar(dir.file("cas.sqlite"), "SELECT last_used_at FROM __cas_bundle"),
            std::to_string(*clock.now));
}

TEST_F(BundleTest, AFullLengthHashPrefixIsLookedUpButALongerOneIsOnlyAName) {
  auto r = save("web", {member("e", "x")});
  ASSERT_TRUE(r.ok());
  // kMaxHashBytes hex digits are still a hash prefix: its message says no set_hash matched.
  const std::string longest(limits::kMaxHashBytes, 'a');
  auto at_limit = bundle_find(*store, longest);
  ASSERT_FALSE(at_limit.ok());
  EXPECT_EQ(at_limit.error().message,
            "no bundle is named " + quoted(longest) + " and no set_hash starts with it");
  // One more digit and it is only ever a name.
  const std::string over(limits::kMaxHashBytes + 1, 'a');
  auto too_long = bundle_find(*store, over);
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.error().code, Errc::not_found);
  EXPECT_EQ(too_long.error().message, "no bundle is named " + quoted(over));
}

TEST_F(BundleTest, BundlesWithTheSameDisplayNameAreListedByIdWhateverTheRecency) {
  // A store written by hand (or by an older tool) can leave display names empty.
  std::vector<std::int64_t> ids;
  for (const char* name : {"one", "two", "three"}) {
    auto r = save(name, {member("e", name)});
    ASSERT_TRUE(r.ok());
    ids.push_back(r->id);
  }
  const std::string file = dir.file("cas.sqlite");
  ASSERT_EQ(exec_sql(file, "UPDATE __cas_bundle SET name = NULL"), "");
  // Most recent first: the second, the first, the third.
  const std::int64_t used[] = {200, 300, 100};
  for (std::size_t i = 0; i < ids.size(); ++i) {
    ASSERT_EQ(exec_sql(file, "UPDATE __cas_bundle SET last_used_at = " + std::to_string(used[i]) +
                                 " WHERE id = " + std::to_string(ids[i])),
              "");
  }
  auto list = bundle_list(*store);
  ASSERT_TRUE(list.ok()) << list.error().message;
  ASSERT_EQ(list->size(), 3u);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    EXPECT_EQ((*list)[i].name, "");
    EXPECT_EQ((*list)[i].id, ids[i]) << i;
  }
}

TEST_F(BundleTest, GcWithAClockBeforeTheEpochAndTheLongestAgeRemovesNothing) {
  ASSERT_TRUE(save("a", {member("e", "a")}).ok());
  *clock.now = -100;  // now - age would go below the smallest time: nothing is that old
  auto removed = bundle_gc(*store, {std::nullopt, std::chrono::seconds::max()});
  ASSERT_TRUE(removed.ok()) << removed.error().message;
  EXPECT_TRUE(removed->empty());
  EXPECT_TRUE(bundle_find(*store, "a").ok());
}

TEST_F(BundleTest, AMalformedMemberHashIsCorruptionNamingTheMember) {
  ASSERT_TRUE(save("web", {member("uuid", "uuid v1")}).ok());
  ASSERT_EQ(exec_sql(dir.file("cas.sqlite"), "UPDATE __cas_bundle_member SET content_hash = x'0102'"),
            "");
  auto r = bundle_resolve(*store, "web");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::corrupt);
  EXPECT_NE(r.error().message.find("bundle member 'uuid' has a malformed content hash"),
            std::string::npos)
      << r.error().message;
}

}  // namespace
}  // namespace sqlink
