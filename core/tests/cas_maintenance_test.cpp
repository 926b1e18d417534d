// Keeping a store tidy and honest: gc and evict never take what a bundle member references,
// evict goes least-recently-used first, verify names every bad row and writes nothing.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <string>
#include <vector>

#include "cas_support.hpp"
#include "sqlink/bundle.hpp"
#include "sqlink/cas.hpp"

namespace sqlink {
namespace {

using cas_testing::exec_sql;
using cas_testing::FakeClock;
using cas_testing::read_file;
using cas_testing::scalar;
using cas_testing::TempDir;

class CasMaintenanceTest : public ::testing::Test {
 protected:
  CasMaintenanceTest() {
    CasOptions options;
    options.clock = clock.fn();
    auto s = CasStore::open(path, options);
    if (!s.ok()) std::abort();
    store.emplace(std::move(s).value());
  }
  Hash put(const std::string& bytes) {
    auto h = store->put(bytes);
    EXPECT_TRUE(h.ok());
    return *h;
  }
  void pin(const std::string& bundle, const std::string& ext, const Hash& h) {
    const BundleMember members[] = {{ext, h}};
    auto r = bundle_save(*store, bundle, members);
    ASSERT_TRUE(r.ok()) << r.error().message;
  }
  TempDir dir;
  std::string path = dir.file("cas.sqlite");
  FakeClock clock;
  std::optional<CasStore> store;
};

TEST_F(CasMaintenanceTest, GcRemovesUnreferencedArtifactsAndTheirUris) {
  const Hash loose = put("loose"), kept = put("kept");
  ASSERT_TRUE(store->bind_uri("https://e.org/loose.so", loose).ok());
  ASSERT_TRUE(store->bind_uri("https://e.org/kept.so", kept).ok());
  pin("b", "kept", kept);
  auto report = store->gc();
  ASSERT_TRUE(report.ok()) << report.error().message;
  ASSERT_EQ(report->removed.size(), 1u);
  EXPECT_EQ(report->removed.front(), loose);
  EXPECT_EQ(report->bytes_removed, 5u);
  EXPECT_EQ(report->uris_removed, 1u);
  EXPECT_FALSE(*store->contains(loose));
  EXPECT_EQ(*store->get(kept), "kept");
  EXPECT_EQ(*store->lookup_uri("https://e.org/kept.so"), kept);
  EXPECT_FALSE(store->lookup_uri("https://e.org/loose.so").ok());
}

TEST_F(CasMaintenanceTest, GcKeepsAnArtifactAsLongAsAnyBundleReferencesIt) {
  const Hash shared = put("shared");
  pin("one", "ext", shared);
  const BundleMember two[] = {{"ext", shared}, {"other", put("other")}};
  ASSERT_TRUE(bundle_save(*store, "two", two).ok());
  ASSERT_TRUE(bundle_delete(*store, "one").ok());
  ASSERT_TRUE(store->gc().ok());
  EXPECT_TRUE(*store->contains(shared));
  ASSERT_TRUE(bundle_delete(*store, "two").ok());
  auto report = store->gc();
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->removed.size(), 2u);
  EXPECT_FALSE(*store->contains(shared));
}

TEST_F(CasMaintenanceTest, GcOnACleanStoreRemovesNothing) {
  pin("b", "e", put("x"));
  auto report = store->gc();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->removed.empty());
  EXPECT_EQ(store->stats()->artifacts, 1u);
}

TEST_F(CasMaintenanceTest, EvictTakesLeastRecentlyUsedFirstDownToTheCap) {
  const Hash a = put(std::string(100, 'a'));
  clock.advance(10);
  const Hash b = put(std::string(100, 'b'));
  clock.advance(10);
  const Hash c = put(std::string(100, 'c'));
  clock.advance(10);
  ASSERT_TRUE(store->get(a).ok());  // a is now the most recently used; b the least
  auto report = store->evict(150);
  ASSERT_TRUE(report.ok()) << report.error().message;
  ASSERT_EQ(report->removed.size(), 2u);
  EXPECT_EQ(report->removed[0], b);
  EXPECT_EQ(report->removed[1], c);
  EXPECT_TRUE(report->cap_met);
  EXPECT_EQ(report->bytes_remaining, 100u);
  EXPECT_TRUE(*store->contains(a));
}

TEST_F(CasMaintenanceTest, EvictNeverRemovesReferencedArtifactsAndSaysWhenTheCapIsNotMet) {
  const Hash pinned = put(std::string(300, 'p'));
  clock.advance(10);
  const Hash loose = put(std::string(100, 'l'));
  pin("b", "big", pinned);  // older than `loose`, so LRU alone would take it first
  auto report = store->evict(200);
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->cap_met);
  EXPECT_EQ(report->pinned_bytes, 300u);
  EXPECT_EQ(report->bytes_remaining, 300u);
  ASSERT_EQ(report->removed.size(), 1u);
  EXPECT_EQ(report->removed.front(), loose);
  EXPECT_EQ(*store->get(pinned), std::string(300, 'p'));
}

TEST_F(CasMaintenanceTest, EvictReportsWhatItRemovedAndStopsExactlyAtTheCap) {
  const Hash a = put(std::string(100, 'a'));
  clock.advance(10);
  const Hash b = put(std::string(60, 'b'));
  clock.advance(10);
  const Hash c = put(std::string(40, 'c'));
  ASSERT_TRUE(store->bind_uri("https://e.org/a.so", a).ok());
  ASSERT_TRUE(store->bind_uri("file:///a.so", a).ok());
  ASSERT_TRUE(store->bind_uri("https://e.org/b.so", b).ok());
  auto report = store->evict(40);  // after a and b go, exactly 40 bytes remain: the cap is met
  ASSERT_TRUE(report.ok()) << report.error().message;
  ASSERT_EQ(report->removed, (std::vector<Hash>{a, b}));
  EXPECT_EQ(report->bytes_removed, 160u);
  EXPECT_EQ(report->uris_removed, 3u);
  EXPECT_EQ(report->bytes_remaining, 40u);
  EXPECT_TRUE(report->cap_met);
  EXPECT_TRUE(*store->contains(c));
}

TEST_F(CasMaintenanceTest, StatsCountBundleMembersAndBinaries) {
  const BundleMember members[] = {{"one", put("1")}, {"two", put("2")}, {"three", put("3")}};
  ASSERT_TRUE(bundle_save(*store, "geo", members).ok());
  pin("solo", "one", members[0].content_hash);
  ASSERT_TRUE(bundle_record_binary(*store, "geo", "x86_64-linux", "/opt/geo-x86_64.so").ok());
  ASSERT_TRUE(bundle_record_binary(*store, "geo", "aarch64-linux", "/opt/geo-aarch64.so").ok());
  auto stats = store->stats();
  ASSERT_TRUE(stats.ok()) << stats.error().message;
  EXPECT_EQ(stats->bundles, 2u);
  EXPECT_EQ(stats->members, 4u);
  EXPECT_EQ(stats->binaries, 2u);
}

TEST_F(CasMaintenanceTest, EvictUnderTheCapRemovesNothing) {
  put("small");
  auto report = store->evict(1 << 20);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->removed.empty());
  EXPECT_TRUE(report->cap_met);
}

TEST_F(CasMaintenanceTest, ListIsOldestFirstWithSizes) {
  const Hash first = put("first");
  clock.advance(5);
  const Hash second = put("second!");
  auto list = store->list();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].hash, first);
  EXPECT_EQ((*list)[0].size, 5u);
  EXPECT_EQ((*list)[1].hash, second);
  EXPECT_EQ((*list)[1].size, 7u);
  EXPECT_EQ((*list)[1].created_at - (*list)[0].created_at, 5);
}

TEST_F(CasMaintenanceTest, VerifyPassesAHealthyStore) {
  pin("b", "e", put("one"));
  put("two");
  auto report = store->verify();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok());
  EXPECT_EQ(report->artifacts_checked, 2u);
  EXPECT_EQ(report->bundles_checked, 1u);
}

TEST_F(CasMaintenanceTest, VerifyReportsEveryBadRowByHashAndReason) {
  const Hash good = put("good"), flipped = put("flipped"), lying = put("lying");
  pin("b", "e", good);
  ASSERT_EQ(
      exec_sql(path, "UPDATE __cas_artifact SET bytes = CAST('FLIPPED' AS BLOB) WHERE hash = x'" +
                         flipped.hex() +
                         "';"
                         "UPDATE __cas_artifact SET bytes_len = 99 WHERE hash = x'" +
                         lying.hex() +
                         "';"
                         "UPDATE __cas_bundle SET set_hash = zeroblob(32);"),
      "");
  auto report = store->verify();
  ASSERT_TRUE(report.ok()) << report.error().message;
  ASSERT_EQ(report->problems.size(), 3u);
  auto find = [&](const std::string& hex) {
    return std::find_if(report->problems.begin(), report->problems.end(),
                        [&](const CasProblem& p) { return p.hash_hex == hex; });
  };
  auto f = find(flipped.hex());
  ASSERT_NE(f, report->problems.end());
  EXPECT_EQ(f->subject, "artifact");
  EXPECT_NE(f->reason.find("hash to " + sha256("FLIPPED").hex()), std::string::npos) << f->reason;
  auto l = find(lying.hex());
  ASSERT_NE(l, report->problems.end());
  EXPECT_NE(l->reason.find("bytes_len"), std::string::npos);
  auto b = find(std::string(64, '0'));
  ASSERT_NE(b, report->problems.end());
  EXPECT_EQ(b->subject, "bundle");
  EXPECT_EQ(find(good.hex()), report->problems.end());
}

TEST_F(CasMaintenanceTest, VerifyWritesNothing) {
  const Hash h = put("x");
  ASSERT_TRUE(store->get(h).ok());
  ASSERT_TRUE(store->flush().ok());
  ASSERT_EQ(exec_sql(path, "PRAGMA wal_checkpoint(TRUNCATE)"), "");
  const std::string db_before = read_file(path), wal_before = read_file(path + "-wal");
  ASSERT_TRUE(store->get(h).ok());  // a pending hit must not be flushed by verify
  ASSERT_TRUE(store->verify().ok());
  EXPECT_EQ(read_file(path), db_before);
  EXPECT_EQ(read_file(path + "-wal"), wal_before);
}

TEST_F(CasMaintenanceTest, VerifyNamesNullBytesMalformedMembersAndEmptyBundles) {
  ASSERT_TRUE(store->put("good").ok());
  // a hand-edited file: bytes may be NULL, even under the key of the empty artifact
  ASSERT_EQ(exec_sql(path,
                     "PRAGMA writable_schema = ON;"
                     "UPDATE sqlite_schema SET sql = replace(sql, 'bytes BLOB NOT NULL', 'bytes BLOB')"
                     " WHERE name = '__cas_artifact';"),
            "");
  const Hash empty = sha256("");
  ASSERT_EQ(exec_sql(path,
                     "INSERT INTO __cas_artifact(hash, bytes, bytes_len, created_at, last_used_at,"
                     " use_count) VALUES(x'" + empty.hex() + "', NULL, 0, 1, 1, 0);"
                     "INSERT INTO __cas_bundle(id, name, set_hash, created_at, last_used_at)"
                     " VALUES(20, 'm', x'01', 1, 1), (21, 'e', x'02', 1, 1);"
                     "INSERT INTO __cas_bundle_member VALUES(20, 'short', x'0102');"),
            "");
  auto report = store->verify();
  ASSERT_TRUE(report.ok()) << report.error().message;
  std::vector<std::string> problems;
  for (const auto& p : report->problems) problems.push_back(p.hash_hex + " " + p.reason);
  std::sort(problems.begin(), problems.end());
  EXPECT_EQ(problems, (std::vector<std::string>{"01 member 'short' has a malformed content hash",
                                                "02 has no members",
                                                empty.hex() + " bytes are NULL"}));
  EXPECT_EQ(report->artifacts_checked, 2u);
}

}  // namespace
}  // namespace sqlink
