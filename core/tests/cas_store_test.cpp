// The CAS store on a real file: where it lives, opening and refusing files, put/get with
// verify-on-read, URI bindings, batched use counts, read-only use, statement caching.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include "cas/internal.hpp"
#include "cas_support.hpp"
#include "sqlink/limits.hpp"
#include "sqlink/bundle.hpp"
#include "sqlink/cas.hpp"

namespace sqlink {
namespace {

using cas_testing::exec_sql;
using cas_testing::FakeClock;
using cas_testing::query;
using cas_testing::read_file;
using cas_testing::scalar;
using cas_testing::TempDir;

// Sets or unsets environment variables for one test and restores them afterwards.
class EnvGuard {
 public:
  explicit EnvGuard(std::initializer_list<const char*> names) {
    for (const char* name : names) {
      const char* v = std::getenv(name);
      saved_.push_back({name, v != nullptr, v != nullptr ? v : ""});
      ::unsetenv(name);
    }
  }
  ~EnvGuard() {
    for (const auto& s : saved_) {
      if (s.present) {
        ::setenv(s.name.c_str(), s.value.c_str(), 1);
      } else {
        ::unsetenv(s.name.c_str());
      }
    }
  }
  EnvGuard(const EnvGuard&) = delete;
  EnvGuard& operator=(const EnvGuard&) = delete;

 private:
  struct Saved {
    std::string name;
    bool present;
    std::string value;
  };
  std::vector<Saved> saved_;
};

const std::initializer_list<const char*> kCacheEnv = {"SQLINK_CACHE_DIR", "XDG_CACHE_HOME", "HOME"};

TEST(CasLocation, FlagBeatsEveryEnvironmentVariable) {
  EnvGuard env(kCacheEnv);
  ::setenv("SQLINK_CACHE_DIR", "/env/dir", 1);
  ::setenv("XDG_CACHE_HOME", "/xdg", 1);
  ::setenv("HOME", "/home/u", 1);
  EXPECT_EQ(*cache_file_path(std::string("/flag/dir")), "/flag/dir/cas.sqlite");
  EXPECT_EQ(*cache_file_path(std::string("/flag/dir/")), "/flag/dir/cas.sqlite");
}

TEST(CasLocation, EnvironmentLadderInOrder) {
  EnvGuard env(kCacheEnv);
  ::setenv("HOME", "/home/u", 1);
  EXPECT_EQ(*cache_file_path(std::nullopt), "/home/u/.cache/sqlink/cas.sqlite");
  ::setenv("XDG_CACHE_HOME", "/xdg", 1);
  EXPECT_EQ(*cache_file_path(std::nullopt), "/xdg/sqlink/cas.sqlite");
  ::setenv("SQLINK_CACHE_DIR", "/env/dir", 1);
  EXPECT_EQ(*cache_file_path(std::nullopt), "/env/dir/cas.sqlite");
}

TEST(CasLocation, EmptyAndRelativeXdgAreIgnored) {
  EnvGuard env(kCacheEnv);
  ::setenv("HOME", "/home/u", 1);
  ::setenv("SQLINK_CACHE_DIR", "", 1);
  ::setenv("XDG_CACHE_HOME", "relative/cache", 1);
  EXPECT_EQ(*cache_file_path(std::nullopt), "/home/u/.cache/sqlink/cas.sqlite");
}

TEST(CasLocation, NothingSetIsNotFound) {
  EnvGuard env(kCacheEnv);
  auto r = cache_file_path(std::nullopt);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::not_found);
  EXPECT_NE(r.error().message.find("HOME"), std::string::npos);
}

TEST(CasLocation, ControlByteInDirectoryIsRefusedAndEscaped) {
  EnvGuard env(kCacheEnv);
  auto r = cache_file_path(std::string("/tmp/a\x1b[31m"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::control_character);
  EXPECT_EQ(r.error().message.find('\x1b'), std::string::npos);
  EXPECT_NE(r.error().message.find("\\x1b"), std::string::npos);
}

// Another connection holding the store's write lock (BEGIN IMMEDIATE) until release().
class HeldWriteLock {
 public:
  explicit HeldWriteLock(const std::string& path) {
    held_ = sqlite3_open(path.c_str(), &db_) == SQLITE_OK &&
            sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK;
  }
  ~HeldWriteLock() { release(); }
  HeldWriteLock(const HeldWriteLock&) = delete;
  HeldWriteLock& operator=(const HeldWriteLock&) = delete;
  bool held() const { return held_; }
  // Commits and closes; true when the commit went through.
  bool release() {
    if (db_ == nullptr) return false;
    const bool committed = held_ && sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK;
    sqlite3_close(db_);
    db_ = nullptr;
    held_ = false;
    return committed;
  }

 private:
  sqlite3* db_ = nullptr;
  bool held_ = false;
};

class CasStoreTest : public ::testing::Test {
 protected:
  CasStore open(CasOptions options = {}) {
    if (!options.clock) options.clock = clock.fn();
    auto store = CasStore::open(path, std::move(options));
    if (!store.ok()) {
      ADD_FAILURE() << store.error().message;
      std::abort();
    }
    return std::move(store).value();
  }
  TempDir dir;
  std::string path = dir.file("cache/cas.sqlite");
  FakeClock clock;
};

TEST_F(CasStoreTest, OpenCreatesMissingDirectoriesPrivately) {
  const std::string deep = dir.file("a/b/c/cas.sqlite");
  ASSERT_TRUE(CasStore::open(deep).ok());
  struct stat st {};
  ASSERT_EQ(::stat(dir.file("a/b").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_TRUE(cas_testing::file_exists(deep));
  EXPECT_EQ(scalar(deep, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(scalar(deep, "SELECT value FROM __cas_meta WHERE key = 'schema_version'"), "4");
}

TEST_F(CasStoreTest, PutThenGetReturnsTheSameBytes) {
  auto store = open();
  const std::string bytes("\x00\x01binary\xff payload", 17);
  auto hash = store.put(bytes);
  ASSERT_TRUE(hash.ok()) << hash.error().message;
  EXPECT_EQ(*hash, sha256(bytes));
  auto back = store.get(*hash);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, bytes);
}

TEST_F(CasStoreTest, EmptyAndLargeArtifactsRoundTrip) {
  auto store = open();
  const std::string big(3 << 20, 'z');
  for (const std::string& bytes : {std::string(), big}) {
    auto hash = store.put(bytes);
    ASSERT_TRUE(hash.ok()) << hash.error().message;
    auto back = store.get(*hash);
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(back->size(), bytes.size());
    EXPECT_EQ(*back, bytes);
  }
}

TEST_F(CasStoreTest, PutIsIdempotentAndKeepsCreationTime) {
  auto store = open();
  const Hash h = *store.put("same");
  clock.advance(100);
  ASSERT_EQ(*store.put("same"), h);
  auto list = store.list();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ(list->front().created_at, *clock.now - 100);
  EXPECT_EQ(list->front().last_used_at, *clock.now);
  EXPECT_EQ(list->front().size, 4u);
}

TEST_F(CasStoreTest, GetOfUnknownHashIsNotFound) {
  auto store = open();
  auto r = store.get(sha256("never stored"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::not_found);
  EXPECT_NE(r.error().message.find(sha256("never stored").hex()), std::string::npos);
}

TEST_F(CasStoreTest, GetRefusesARowWhoseBytesNoLongerMatchTheHash) {
  const Hash h = [&] {
    auto store = open();
    return *store.put("the real bytes");
  }();
  ASSERT_EQ(exec_sql(path, "UPDATE __cas_artifact SET bytes = CAST('evil bytes!!!!' AS BLOB)"), "");
  auto store = open();
  auto r = store.get(h);
  ASSERT_FALSE(r.ok()) << "returned " << *r;
  EXPECT_EQ(r.error().code, Errc::corrupt);
  EXPECT_NE(r.error().message.find(h.hex()), std::string::npos) << r.error().message;
  EXPECT_EQ(r.error().message.find("evil"), std::string::npos);
}

TEST_F(CasStoreTest, GetRefusesATruncatedBlobEvenWithMatchingLength) {
  const Hash h = [&] {
    auto store = open();
    return *store.put(std::string(5000, 'a'));
  }();
  // Half-written: same length, second half zeroed.
  ASSERT_EQ(
      exec_sql(path, "UPDATE __cas_artifact SET bytes = substr(bytes, 1, 2500) || zeroblob(2500)"),
      "");
  auto store = open();
  auto r = store.get(h);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::corrupt);
}

TEST_F(CasStoreTest, PutOfGoodBytesRepairsACorruptRow) {
  auto store = open();
  const Hash h = *store.put("repair me");
  ASSERT_EQ(exec_sql(path, "UPDATE __cas_artifact SET bytes = x'00'"), "");
  ASSERT_FALSE(store.get(h).ok());
  ASSERT_TRUE(store.put("repair me").ok());
  auto back = store.get(h);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, "repair me");
}

TEST_F(CasStoreTest, ContainsTellsStoredFromUnknown) {
  auto store = open();
  const Hash h = *store.put("x");
  EXPECT_TRUE(*store.contains(h));
  EXPECT_FALSE(*store.contains(sha256("y")));
}

TEST_F(CasStoreTest, HashUrisNameArtifactsInEitherCase) {
  auto store = open();
  const Hash h = *store.put("by hash");
  std::string upper = h.hex();
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (const std::string& uri :
       {"sha256:" + h.hex(), "digest:" + h.hex(), "SHA256:" + upper, "Digest:" + upper}) {
    auto found = store.lookup(uri);
    ASSERT_TRUE(found.ok()) << uri << ": " << found.error().message;
    EXPECT_EQ(*found, h);
  }
  auto missing = store.lookup("sha256:" + sha256("absent").hex());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::not_found);
}

TEST(CasHashUri, MalformedHashUrisAreInvalid) {
  const std::string hex = sha256("a").hex();
  for (const std::string& bad :
       {"sha256:" + hex.substr(1), "sha256:" + hex + "0", "md5:" + hex, "sha256" + hex,
        "sha256:g" + hex.substr(1), std::string("sha256:")}) {
    auto r = parse_hash_uri(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, Errc::invalid_value);
    EXPECT_NE(r.error().message.find(quoted(bad)), std::string::npos);
  }
}

TEST_F(CasStoreTest, BoundUriLeadsToItsArtifactAndRebindingReplaces) {
  auto store = open();
  const Hash a = *store.put("version 1"), b = *store.put("version 2");
  const std::string uri = "https://example.org/ext.so";
  ASSERT_TRUE(store.bind_uri(uri, a).ok());
  EXPECT_EQ(*store.lookup_uri(uri), a);
  EXPECT_EQ(*store.lookup(uri), a);
  ASSERT_TRUE(store.bind_uri(uri, b).ok());
  EXPECT_EQ(*store.lookup_uri(uri), b);
  EXPECT_EQ(scalar(path, "SELECT count(*) FROM __cas_uri"), "1");
}

TEST_F(CasStoreTest, UnboundUriIsNotFound) {
  auto store = open();
  auto r = store.lookup_uri("https://example.org/none.so");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::not_found);
}

TEST_F(CasStoreTest, BindingToAnUnstoredArtifactIsNotFound) {
  auto store = open();
  auto r = store.bind_uri("https://example.org/x.so", sha256("not stored"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::not_found);
  EXPECT_EQ(scalar(path, "SELECT count(*) FROM __cas_uri"), "0");
}

TEST_F(CasStoreTest, HashUrisAndControlBytesCannotBeBound) {
  auto store = open();
  const Hash h = *store.put("x");
  auto hash_uri = store.bind_uri("sha256:" + h.hex(), h);
  ASSERT_FALSE(hash_uri.ok());
  EXPECT_EQ(hash_uri.error().code, Errc::invalid_value);
  auto control = store.bind_uri(std::string("https://e.org/\nx"), h);
  ASSERT_FALSE(control.ok());
  EXPECT_EQ(control.error().code, Errc::control_character);
}

TEST_F(CasStoreTest, HitsAreCountedInMemoryAndWrittenOnClose) {
  Hash h;
  {
    CasOptions options;
    options.flush_every_hits = 1000;
    auto store = open(options);
    h = *store.put("counted");
    clock.advance(50);
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(store.get(h).ok());
    // Nothing written yet: the hits wait in memory...
    EXPECT_EQ(scalar(path, "SELECT use_count FROM __cas_artifact"), "0");
    // ...but the store's own view already includes them.
    EXPECT_EQ(store.list()->front().use_count, 5u);
  }
  EXPECT_EQ(scalar(path, "SELECT use_count FROM __cas_artifact"), "5");
  EXPECT_EQ(scalar(path, "SELECT last_used_at FROM __cas_artifact"), std::to_string(*clock.now));
}

TEST_F(CasStoreTest, HitsAreWrittenEveryNHits) {
  CasOptions options;
  options.flush_every_hits = 4;
  auto store = open(options);
  const Hash h = *store.put("counted");
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(store.get(h).ok());
  EXPECT_EQ(scalar(path, "SELECT use_count FROM __cas_artifact"), "0");
  ASSERT_TRUE(store.get(h).ok());
  EXPECT_EQ(scalar(path, "SELECT use_count FROM __cas_artifact"), "4");
  ASSERT_TRUE(store.get(h).ok());
  ASSERT_TRUE(store.flush().ok());
  EXPECT_EQ(scalar(path, "SELECT use_count FROM __cas_artifact"), "5");
}

TEST_F(CasStoreTest, AFlushWritesEachHitOnceAndAFailedOneIsRetriedAtTheNextHit) {
  CasOptions options;
  options.flush_every_hits = 2;
  auto store = open(options);
  const Hash h = *store.put("counted");
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(store.get(h).ok());
  ASSERT_TRUE(store.flush().ok());
  ASSERT_TRUE(store.flush().ok());  // nothing new: nothing added twice
  EXPECT_EQ(scalar(path, "SELECT use_count FROM __cas_artifact"), "3");
  // The lock is held elsewhere: the flush due at the 2nd hit fails and waits for the next hit,
  // however far past the threshold the count has gone by then.
  HeldWriteLock lock(path);
  ASSERT_TRUE(lock.held());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(store.get(h).ok());
  ASSERT_TRUE(lock.release());
  EXPECT_EQ(scalar(path, "SELECT use_count FROM __cas_artifact"), "3");
  ASSERT_TRUE(store.get(h).ok());  // the 4th pending hit: written now
  EXPECT_EQ(scalar(path, "SELECT use_count FROM __cas_artifact"), "7");
}

TEST_F(CasStoreTest, UriAndBundleUsesCountTowardsTheFlushToo) {
  CasOptions options;
  options.flush_every_hits = 1;
  auto store = open(options);
  const Hash h = *store.put("bound");
  ASSERT_TRUE(store.bind_uri("https://e.org/x.so", h).ok());
  const std::string before = scalar(path, "SELECT last_used_at FROM __cas_uri");
  clock.advance(70);
  ASSERT_TRUE(store.lookup_uri("https://e.org/x.so").ok());
  EXPECT_EQ(scalar(path, "SELECT last_used_at FROM __cas_uri"), std::to_string(*clock.now));
  EXPECT_NE(before, std::to_string(*clock.now));
  const BundleMember members[] = {{"x", h}};
  ASSERT_TRUE(bundle_save(store, "web", members).ok());
  clock.advance(70);
  ASSERT_TRUE(bundle_resolve(store, "web").ok());
  EXPECT_EQ(scalar(path, "SELECT last_used_at FROM __cas_bundle"), std::to_string(*clock.now));
}

TEST_F(CasStoreTest, PendingCountsThatCannotBeWrittenAreCappedAt4096Entries) {
  for (const int distinct : {4096, 4097}) {
    TempDir here;
    CasOptions options;
    options.flush_every_hits = 1;
    options.clock = clock.fn();
    const std::string file = here.file("cas.sqlite");
    auto opened = CasStore::open(file, options);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    CasStore store = std::move(opened).value();
    // the artifacts go in with one transaction, not one put() each: this test should be fast
    std::vector<Hash> hashes;
    std::string sql = "BEGIN;";
    for (int i = 0; i < distinct; ++i) {
      const std::string bytes = "artifact " + std::to_string(i);
      hashes.push_back(sha256(bytes));
      sql += "INSERT INTO __cas_artifact(hash, bytes, bytes_len, created_at, last_used_at, use_count)"
             " VALUES(x'" + hashes.back().hex() + "', CAST('" + bytes + "' AS BLOB), " +
             std::to_string(bytes.size()) + ", 1, 1, 0);";
    }
    ASSERT_EQ(exec_sql(file, sql + "COMMIT;"), "");
    HeldWriteLock lock(file);
    ASSERT_TRUE(lock.held());
    for (const Hash& h : hashes) ASSERT_TRUE(store.get(h).ok());
    ASSERT_TRUE(lock.release());
    ASSERT_TRUE(store.flush().ok());
    // up to the cap they wait for the lock; one entry more and they are dropped: statistics
    EXPECT_EQ(scalar(file, "SELECT sum(use_count) FROM __cas_artifact"),
              distinct == 4096 ? "4096" : "0")
        << distinct << " distinct artifacts";
  }
}

TEST_F(CasStoreTest, ReadOnlyStoreServesHitsWithoutWriting) {
  Hash h;
  {
    auto store = open();
    h = *store.put("read me");
  }
  ASSERT_EQ(::chmod(path.c_str(), 0444), 0);
  const std::string before = read_file(path);
  struct stat st_before {};
  ::stat(path.c_str(), &st_before);
  {
    CasOptions options;
    options.read_only = true;
    options.flush_every_hits = 1;
    auto store = open(options);
    for (int i = 0; i < 3; ++i) {
      auto back = store.get(h);
      ASSERT_TRUE(back.ok()) << back.error().message;
      EXPECT_EQ(*back, "read me");
    }
    EXPECT_TRUE(store.flush().ok());
    auto put = store.put("nope");
    ASSERT_FALSE(put.ok());
    EXPECT_EQ(put.error().code, Errc::permission_denied);
    EXPECT_FALSE(store.gc().ok());
  }
  struct stat st_after {};
  ::stat(path.c_str(), &st_after);
  EXPECT_EQ(read_file(path), before);
  EXPECT_EQ(st_after.st_mtim.tv_sec, st_before.st_mtim.tv_sec);
  EXPECT_EQ(st_after.st_mtim.tv_nsec, st_before.st_mtim.tv_nsec);
}

TEST_F(CasStoreTest, ReadOnlyOpenOfAMissingFileCreatesNothing) {
  CasOptions options;
  options.read_only = true;
  auto r = CasStore::open(path, options);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::not_found);
  EXPECT_FALSE(cas_testing::file_exists(dir.file("cache")));
}

TEST_F(CasStoreTest, NewerSchemaIsRefusedAndTheFileLeftByteForByte) {
  {
    auto store = open();
    ASSERT_TRUE(store.put("x").ok());
  }
  ASSERT_EQ(exec_sql(path,
                     "UPDATE __cas_meta SET value = '5' WHERE key = 'schema_version';"
                     "PRAGMA wal_checkpoint(TRUNCATE);"),
            "");
  const std::string before = read_file(path);
  const bool wal_before = cas_testing::file_exists(path + "-wal");
  auto r = CasStore::open(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::schema_too_new);
  EXPECT_NE(r.error().message.find("5"), std::string::npos);
  EXPECT_EQ(read_file(path), before);
  EXPECT_EQ(cas_testing::file_exists(path + "-wal"), wal_before);
  EXPECT_FALSE(cas_testing::file_exists(path + "-shm"));
}

TEST_F(CasStoreTest, ADatabaseThatIsNotACacheIsRefusedUntouched) {
  ASSERT_TRUE(cas_testing::fs::create_directories(dir.file("cache")));
  ASSERT_EQ(exec_sql(path, "CREATE TABLE users(id INTEGER PRIMARY KEY)"), "");
  const std::string before = read_file(path);
  auto r = CasStore::open(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::corrupt);
  EXPECT_NE(r.error().message.find("not a sqlink cache"), std::string::npos);
  EXPECT_EQ(read_file(path), before);
}

TEST_F(CasStoreTest, AFileThatIsNotADatabaseIsCorrupt) {
  ASSERT_TRUE(cas_testing::fs::create_directories(dir.file("cache")));
  { std::ofstream(path) << "this is not sqlite at all, just some text that is long enough......"; }
  auto r = CasStore::open(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::corrupt) << r.error().message;
}

// SQLite itself takes a 1-byte file for an empty database; the cache must not make one of it.
TEST_F(CasStoreTest, AFileShorterThanADatabaseHeaderIsCorruptAndLeftAlone) {
  ASSERT_TRUE(cas_testing::fs::create_directories(dir.file("cache")));
  for (const std::string& bytes : {std::string("x"), std::string(99, 'y')}) {
    { std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes; }
    for (const bool read_only : {false, true}) {
      CasOptions options;
      options.read_only = read_only;
      auto r = CasStore::open(path, options);
      ASSERT_FALSE(r.ok()) << bytes.size() << " bytes, read_only " << read_only;
      EXPECT_EQ(r.error().code, Errc::corrupt) << r.error().message;
      EXPECT_NE(r.error().message.find(quoted(path)), std::string::npos) << r.error().message;
      EXPECT_NE(r.error().message.find(std::to_string(bytes.size()) + " bytes"), std::string::npos)
          << r.error().message;
      EXPECT_EQ(read_file(path), bytes);
    }
  }
  // A whole header's worth of bytes is not "shorter than a header": SQLite judges it.
  { std::ofstream(path, std::ios::binary | std::ios::trunc) << std::string(100, 'z'); }
  auto r = CasStore::open(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::corrupt) << r.error().message;
  EXPECT_EQ(r.error().message.find("shorter than a database header"), std::string::npos) << r.error().message;
  EXPECT_EQ(read_file(path), std::string(100, 'z'));
}

TEST_F(CasStoreTest, ADirectoryWhereTheFileShouldBeIsRefused) {
  ASSERT_TRUE(cas_testing::fs::create_directories(path));
  auto r = CasStore::open(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::invalid_value);
}

TEST_F(CasStoreTest, PathsWithUriSpecialCharactersWork) {
  const std::string odd = dir.file("we?ird#dir%41/ca s.sqlite");
  {
    auto store = CasStore::open(odd);
    ASSERT_TRUE(store.ok()) << store.error().message;
    ASSERT_TRUE(store->put("odd").ok());
  }
  EXPECT_TRUE(cas_testing::file_exists(odd));
  EXPECT_FALSE(cas_testing::file_exists(dir.file("we")));
  CasOptions ro;
  ro.read_only = true;
  auto store = CasStore::open(odd, ro);
  ASSERT_TRUE(store.ok()) << store.error().message;
  EXPECT_EQ(*store->get(sha256("odd")), "odd");
  EXPECT_TRUE(cas_doctor(odd)->ok());
}

TEST_F(CasStoreTest, UncachedStatementsBehaveTheSame) {
  CasOptions options;
  options.cache_statements = false;
  auto store = open(options);
  for (int i = 0; i < 20; ++i) {
    const std::string bytes = "item " + std::to_string(i);
    auto h = store.put(bytes);
    ASSERT_TRUE(h.ok());
    EXPECT_EQ(*store.get(*h), bytes);
  }
  EXPECT_EQ(store.stats()->artifacts, 20u);
}

TEST_F(CasStoreTest, AMovedFromStoreReportsAnErrorInsteadOfCrashing) {
  auto store = open();
  CasStore other = std::move(store);
  auto r = store.put("x");  // NOLINT(bugprone-use-after-move): the behaviour under test
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::internal);
  EXPECT_TRUE(other.put("x").ok());
}

TEST_F(CasStoreTest, AHeldWriteLockTimesOutWritesButNeverReads) {
  CasOptions options;
  // Long enough that three waits (1.2 s) cannot pass for none, short enough to keep the test
  // quick: the blocked put below waits it out once.
  options.busy_timeout = std::chrono::milliseconds(400);
  options.flush_every_hits = 1;  // every hit tries to write its count, and cannot
  auto store = open(options);
  const Hash h = *store.put("readable");
  HeldWriteLock lock(path);
  ASSERT_TRUE(lock.held());
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 3; ++i) {
    auto back = store.get(h);
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(*back, "readable");
  }
  // Hits give up on the lock at once instead of waiting out the timeout three times.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(380));
  auto put = store.put("blocked");
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.error().code, Errc::timeout);
  EXPECT_NE(put.error().message.find(quoted(path)), std::string::npos) << put.error().message;
  ASSERT_TRUE(lock.release());
  ASSERT_TRUE(store.flush().ok());  // the counts kept in memory get written now
  EXPECT_EQ(scalar(path, "SELECT use_count FROM __cas_artifact"), "3");
}

TEST_F(CasStoreTest, AUriLookupRecordsWhenTheUriWasLastUsed) {
  auto store = open();
  const Hash h = *store.put("via uri");
  ASSERT_TRUE(store.bind_uri("https://e.org/x.so", h).ok());
  ASSERT_TRUE(store.bind_uri("https://e.org/unused.so", h).ok());
  const std::string bound_at = scalar(path, "SELECT last_used_at FROM __cas_uri WHERE uri = 'https://e.org/x.so'");
  clock.advance(100);
  ASSERT_EQ(*store.lookup("https://e.org/x.so"), h);
  ASSERT_TRUE(store.flush().ok());
  EXPECT_EQ(scalar(path, "SELECT last_used_at FROM __cas_uri WHERE uri = 'https://e.org/x.so'"),
            std::to_string(*clock.now));
  EXPECT_EQ(scalar(path, "SELECT last_used_at FROM __cas_uri WHERE uri = 'https://e.org/unused.so'"),
            bound_at);
}

TEST_F(CasStoreTest, StatsCountWhatIsStored) {
  auto store = open();
  const Hash a = *store.put("aaaa");
  ASSERT_TRUE(store.put("bb").ok());
  ASSERT_TRUE(store.bind_uri("file:///a.so", a).ok());
  auto stats = store.stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->schema_version, 4);
  EXPECT_EQ(stats->artifacts, 2u);
  EXPECT_EQ(stats->artifact_bytes, 6u);
  EXPECT_EQ(stats->uris, 1u);
  EXPECT_EQ(stats->bundles, 0u);
  EXPECT_GT(stats->file_bytes, 0u);
}


TEST(CasLocation, TheFilePathMayBeExactlyAsLongAsAPathMayBe) {
  EnvGuard env(kCacheEnv);
  const std::string file = "/cas.sqlite";
  const std::string fits = "/" + std::string(limits::kMaxPathBytes - file.size() - 1, 'd');
  auto ok = cache_file_path(fits);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->size(), limits::kMaxPathBytes);
  auto too_long = cache_file_path(fits + "d");
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.error().code, Errc::too_long);
}

// Runs the test from another working directory and comes back afterwards.
class WorkingDirectory {
 public:
  explicit WorkingDirectory(const std::string& dir) : saved_(cas_testing::fs::current_path()) {
    cas_testing::fs::current_path(dir);
  }
  ~WorkingDirectory() { cas_testing::fs::current_path(saved_); }
  WorkingDirectory(const WorkingDirectory&) = delete;
  WorkingDirectory& operator=(const WorkingDirectory&) = delete;

 private:
  cas_testing::fs::path saved_;
};

TEST_F(CasStoreTest, ARelativePathCreatesItsOneLetterDirectory) {
  WorkingDirectory here(dir.path());
  {
    auto store = CasStore::open("c/cas.sqlite");
    ASSERT_TRUE(store.ok()) << store.error().message;
    ASSERT_TRUE(store->put("relative").ok());
  }
  EXPECT_TRUE(cas_testing::file_exists(dir.file("c/cas.sqlite")));
}

TEST_F(CasStoreTest, ControlBytesAndOverlongPathsAreRefusedBeforeAnythingIsCreated) {
  for (const std::string& bad : {dir.file("a\x1b[31m.sqlite"), dir.file("a\x7f.sqlite"),
                                 dir.file(std::string("a\0b.sqlite", 10))}) {
    auto r = CasStore::open(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, Errc::control_character) << r.error().message;
  }
  EXPECT_TRUE(cas_testing::fs::is_empty(dir.path()));
  // One byte over the limit is refused as too long; at the limit the system has its say.
  const std::string prefix = dir.path() + "/";
  const std::string at_limit = prefix + std::string(limits::kMaxPathBytes - prefix.size(), 'p');
  auto over = CasStore::open(at_limit + "p");
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, Errc::too_long);
  auto at = CasStore::open(at_limit);
  ASSERT_FALSE(at.ok());
  EXPECT_NE(at.error().code, Errc::too_long) << at.error().message;
  EXPECT_NE(at.error().message.find(cas_detail::errno_text(ENAMETOOLONG)), std::string::npos)
      << at.error().message;
}

TEST_F(CasStoreTest, UrisWithoutASchemeOrWithSpacesBindButOverlongOnesDoNot) {
  auto store = open();
  const Hash h = *store.put("bound");
  for (const std::string& uri : {std::string("ext/no-scheme.so"), std::string("file:///a b.so")}) {
    ASSERT_TRUE(store.bind_uri(uri, h).ok()) << uri;
    EXPECT_EQ(*store.lookup(uri), h) << uri;
  }
  auto del = store.bind_uri("https://e.org/\x7f", h);
  ASSERT_FALSE(del.ok());
  EXPECT_EQ(del.error().code, Errc::control_character);
  const std::string scheme = "https://e.org/";
  const std::string at_limit = scheme + std::string(limits::kMaxPathBytes - scheme.size(), 'u');
  ASSERT_TRUE(store.bind_uri(at_limit, h).ok());
  EXPECT_EQ(*store.lookup_uri(at_limit), h);
  auto over = store.bind_uri(at_limit + "u", h);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, Errc::too_long);
  EXPECT_EQ(store.lookup_uri(at_limit + "u").error().code, Errc::too_long);
}

TEST_F(CasStoreTest, AReadOnlyStoreSeesWhatAWriterAddsLater) {
  { ASSERT_TRUE(open().put("first").ok()); }
  ASSERT_FALSE(cas_testing::file_exists(path + "-wal"));
  CasOptions options;
  options.read_only = true;
  auto reader = open(options);
  EXPECT_TRUE(*reader.contains(sha256("first")));
  auto writer = open();
  ASSERT_TRUE(writer.put("second").ok());
  EXPECT_TRUE(*reader.contains(sha256("second")));
  auto back = reader.get(sha256("second"));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, "second");
}

TEST_F(CasStoreTest, ANewerSchemaInRollbackModeIsNotSwitchedToWal) {
  {
    auto store = open();
    ASSERT_TRUE(store.put("x").ok());
  }
  ASSERT_EQ(exec_sql(path,
                     "PRAGMA journal_mode = DELETE;"
                     "UPDATE __cas_meta SET value = '5' WHERE key = 'schema_version';"),
            "");
  ASSERT_EQ(scalar(path, "PRAGMA journal_mode"), "delete");
  const std::string before = read_file(path);
  auto r = CasStore::open(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::schema_too_new);
  EXPECT_EQ(read_file(path), before);
  EXPECT_EQ(scalar(path, "PRAGMA journal_mode"), "delete");
}

TEST_F(CasStoreTest, AnEmptyFileOpenedReadOnlyIsEmptyNotOld) {
  ASSERT_TRUE(cas_testing::fs::create_directories(dir.file("cache")));
  { std::ofstream create(path); }
  CasOptions options;
  options.read_only = true;
  auto r = CasStore::open(path, options);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::not_found) << r.error().message;
  EXPECT_NE(r.error().message.find("is empty"), std::string::npos) << r.error().message;
  EXPECT_EQ(read_file(path), "");
}

TEST_F(CasStoreTest, WithStatementCachingOffNoStatementOutlivesItsCall) {
  CasOptions options;
  options.cache_statements = false;
  auto store = open(options);
  const Hash h = *store.put("uncached");
  ASSERT_TRUE(store.get(h).ok());
  ASSERT_TRUE(store.stats().ok());
  sqlite3* db = cas_detail::Access::impl(store).db.get();
  EXPECT_EQ(sqlite3_next_stmt(db, nullptr), nullptr);
  // and with caching on (the default) they stay prepared for the next call
  auto cached = CasStore::open(dir.file("cached.sqlite"));
  ASSERT_TRUE(cached.ok());
  ASSERT_TRUE(cached->put("cached").ok());
  EXPECT_NE(sqlite3_next_stmt(cas_detail::Access::impl(*cached).db.get(), nullptr), nullptr);
}

TEST_F(CasStoreTest, AFlushWithNothingLeftToWriteNeedsNoLock) {
  CasOptions options;
  options.busy_timeout = std::chrono::milliseconds(100);
  options.flush_every_hits = 1000;
  auto store = open(options);
  const Hash h = *store.put("used");
  ASSERT_TRUE(store.bind_uri("https://e.org/x.so", h).ok());
  const BundleMember members[] = {{"x", h}};
  ASSERT_TRUE(bundle_save(store, "web", members).ok());
  ASSERT_TRUE(store.get(h).ok());
  ASSERT_TRUE(store.lookup_uri("https://e.org/x.so").ok());
  ASSERT_TRUE(bundle_resolve(store, "web").ok());
  ASSERT_TRUE(store.flush().ok());
  HeldWriteLock lock(path);
  ASSERT_TRUE(lock.held());
  auto again = store.flush();  // every count was written: nothing waits for the lock
  EXPECT_TRUE(again.ok()) << again.error().message;
}

TEST_F(CasStoreTest, TheHitCountStartsAgainAfterEveryFlush) {
  CasOptions options;
  options.flush_every_hits = 2;
  auto store = open(options);
  const Hash h = *store.put("counted");
  ASSERT_TRUE(store.flush().ok());  // nothing pending: the count stays at 0
  ASSERT_TRUE(store.get(h).ok());
  EXPECT_EQ(scalar(path, "SELECT use_count FROM __cas_artifact"), "0");
  ASSERT_TRUE(store.flush().ok());
  EXPECT_EQ(scalar(path, "SELECT use_count FROM __cas_artifact"), "1");
  ASSERT_TRUE(store.get(h).ok());  // the first hit after a flush
  EXPECT_EQ(scalar(path, "SELECT use_count FROM __cas_artifact"), "1");
  ASSERT_TRUE(store.get(h).ok());
  EXPECT_EQ(scalar(path, "SELECT use_count FROM __cas_artifact"), "3");
}

TEST_F(CasStoreTest, AUriUseIsRecordedAtTheClocksTimeEvenAtTheEpoch) {
  *clock.now = 0;
  CasOptions options;
  options.flush_every_hits = 1;
  auto store = open(options);
  const Hash h = *store.put("old");
  ASSERT_TRUE(store.bind_uri("https://e.org/x.so", h).ok());
  ASSERT_TRUE(store.lookup_uri("https://e.org/x.so").ok());
  ASSERT_TRUE(store.flush().ok());
  EXPECT_EQ(scalar(path, "SELECT last_used_at FROM __cas_uri"), "0");
}

TEST_F(CasStoreTest, AUriUseThatCannotBeWrittenWaitsForTheNextFlush) {
  CasOptions options;
  options.flush_every_hits = 1;
  auto store = open(options);
  const Hash h = *store.put("bound");
  ASSERT_TRUE(store.bind_uri("https://e.org/x.so", h).ok());
  clock.advance(10);
  HeldWriteLock lock(path);
  ASSERT_TRUE(lock.held());
  ASSERT_TRUE(store.lookup_uri("https://e.org/x.so").ok());  // its flush fails: the lock
  ASSERT_TRUE(lock.release());
  ASSERT_TRUE(store.flush().ok());
  EXPECT_EQ(scalar(path, "SELECT last_used_at FROM __cas_uri"), std::to_string(*clock.now));
}

TEST_F(CasStoreTest, DroppedPendingCountsIncludeUriAndBundleUsesAndTheHitCount) {
  CasOptions options;
  options.flush_every_hits = 2;
  auto store = open(options);
  std::vector<Hash> hashes;
  std::string sql = "BEGIN;";
  for (int i = 0; i < 4096; ++i) {
    const std::string bytes = "artifact " + std::to_string(i);
    hashes.push_back(sha256(bytes));
    sql += "INSERT INTO __cas_artifact(hash, bytes, bytes_len, created_at, last_used_at, use_count)"
           " VALUES(x'" + hashes.back().hex() + "', CAST('" + bytes + "' AS BLOB), " +
           std::to_string(bytes.size()) + ", 1, 1, 0);";
  }
  ASSERT_EQ(exec_sql(path, sql + "COMMIT;"), "");
  ASSERT_TRUE(store.bind_uri("https://e.org/x.so", hashes[0]).ok());
  const BundleMember members[] = {{"x", hashes[0]}};
  ASSERT_TRUE(bundle_save(store, "web", members).ok());
  const std::string uri_used = scalar(path, "SELECT last_used_at FROM __cas_uri");
  const std::string bundle_used = scalar(path, "SELECT last_used_at FROM __cas_bundle");
  clock.advance(100);
  HeldWriteLock lock(path);
  ASSERT_TRUE(lock.held());
  ASSERT_TRUE(bundle_resolve(store, "web").ok());
  ASSERT_TRUE(store.lookup_uri("https://e.org/x.so").ok());
  // 4095 artifacts, one URI and one bundle: 4097 entries, one over the cap, all dropped
  for (int i = 0; i < 4095; ++i) ASSERT_TRUE(store.get(hashes[i]).ok());
  ASSERT_TRUE(lock.release());
  ASSERT_TRUE(store.get(hashes[4095]).ok());  // the first hit counted after the drop
  EXPECT_EQ(scalar(path, "SELECT sum(use_count) FROM __cas_artifact"), "0");
  ASSERT_TRUE(store.flush().ok());
  EXPECT_EQ(scalar(path, "SELECT sum(use_count) FROM __cas_artifact"), "1");
  EXPECT_EQ(scalar(path, "SELECT last_used_at FROM __cas_uri"), uri_used);
  EXPECT_EQ(scalar(path, "SELECT last_used_at FROM __cas_bundle"), bundle_used);
}

// Marks a file or directory immutable (chattr +i) for its lifetime: not even root may write it,
// and access(W_OK) says so. set() is false where the filesystem has no such flag.
class Immutable {
 public:
  explicit Immutable(std::string path) : path_(std::move(path)) {}
  ~Immutable() {
    if (set_) change(false);
  }
  Immutable(const Immutable&) = delete;
  Immutable& operator=(const Immutable&) = delete;
  bool set() { return set_ = change(true); }

 private:
  bool change(bool on) const {
    const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return false;
    int flags = 0;
    bool ok = ::ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0;
    flags = on ? (flags | FS_IMMUTABLE_FL) : (flags & ~FS_IMMUTABLE_FL);
    ok = ok && ::ioctl(fd, FS_IOC_SETFLAGS, &flags) == 0;
    ::close(fd);
    return ok;
  }
  std::string path_;
  bool set_ = false;
};

TEST_F(CasStoreTest, AnUnwritableDirectoryRefusesAWriterButNotAReader) {
  {
    auto store = CasStore::open(dir.file("c/cas.sqlite"));
    ASSERT_TRUE(store.ok()) << store.error().message;
    ASSERT_TRUE(store->put("kept").ok());
  }
  WorkingDirectory here(dir.path());
  const std::string relative = "c/cas.sqlite";  // a one-letter directory, relative to here
  Immutable frozen(dir.file("c"));
  if (!frozen.set()) GTEST_SKIP() << "no immutable flag here";
  auto writer = CasStore::open(relative);
  ASSERT_FALSE(writer.ok());
  EXPECT_EQ(writer.error().code, Errc::permission_denied) << writer.error().message;
  EXPECT_NE(writer.error().message.find("directory 'c' is not writable"), std::string::npos)
      << writer.error().message;
  CasOptions options;
  options.read_only = true;
  auto reader = CasStore::open(relative, options);
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  EXPECT_EQ(*reader->get(sha256("kept")), "kept");
  // read as it is, with no -wal beside it, so none is counted
  EXPECT_FALSE(cas_testing::file_exists(dir.file("c/cas.sqlite-wal")));
  EXPECT_EQ(reader->stats()->wal_bytes, 0u);
}

TEST_F(CasStoreTest, AnUnwritableFileRefusesAWriterByName) {
  { ASSERT_TRUE(open().put("kept").ok()); }
  Immutable frozen(path);
  if (!frozen.set()) GTEST_SKIP() << "no immutable flag here";
  auto writer = CasStore::open(path);
  ASSERT_FALSE(writer.ok());
  EXPECT_EQ(writer.error().code, Errc::permission_denied) << writer.error().message;
  EXPECT_NE(writer.error().message.find("the file is not writable"), std::string::npos)
      << writer.error().message;
}

TEST_F(CasStoreTest, ARollbackModeStoreAnotherProcessWritesIsRetriedForTheWholeBusyTimeout) {
  { ASSERT_TRUE(open().put("x").ok()); }
  ASSERT_EQ(exec_sql(path, "PRAGMA journal_mode = DELETE"), "");
  // Another process has begun writing: its reserved lock keeps the file from switching to WAL,
  // and SQLite says so at once, without waiting; the open retries until its timeout.
  int release[2];
  ASSERT_EQ(::pipe2(release, O_CLOEXEC), 0);
  const std::string file = path;
  auto child = cas_testing::spawn_child([&](int out) {
    ::close(release[1]);
    sqlite3* db = nullptr;
    if (sqlite3_open(file.c_str(), &db) != SQLITE_OK ||
        sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) !=
            SQLITE_OK) {
      return 1;
    }
    cas_testing::report_line(out, "writing");
    char c;
    while (::read(release[0], &c, 1) > 0) {
    }
    sqlite3_close(db);
    return 0;
  });
  ::close(release[0]);
  char ready[8] = {};
  ASSERT_GT(::read(child.read_fd, ready, sizeof ready), 0);
  CasOptions options;
  options.busy_timeout = std::chrono::milliseconds(150);
  const auto start = std::chrono::steady_clock::now();
  auto r = CasStore::open(path, options);
  const auto waited = std::chrono::steady_clock::now() - start;
  ::close(release[1]);
  EXPECT_TRUE(cas_testing::finish_child(child).exited_with(0));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::timeout) << r.error().message;
  EXPECT_GE(waited, options.busy_timeout);  // it gave up only once the timeout had passed
  EXPECT_EQ(scalar(path, "PRAGMA journal_mode"), "delete");
}

TEST_F(CasStoreTest, ReadOnlyTellsAReaderFromAWriter) {
  auto writer = open();
  ASSERT_TRUE(writer.put("x").ok());
  EXPECT_FALSE(writer.read_only());
  CasOptions options;
  options.read_only = true;
  auto reader = open(options);
  EXPECT_TRUE(reader.read_only());
  CasStore moved = std::move(reader);
  EXPECT_TRUE(moved.read_only());
  EXPECT_FALSE(reader.read_only());  // NOLINT(bugprone-use-after-move): the behaviour under test
}

TEST_F(CasStoreTest, AssigningAStoreToItselfKeepsItsPendingHitsPending) {
  CasOptions options;
  options.flush_every_hits = 1000;
  auto store = open(options);
  const Hash h = *store.put("x");
  ASSERT_TRUE(store.get(h).ok());
  CasStore& same = store;
  store = std::move(same);
  EXPECT_EQ(scalar(path, "SELECT use_count FROM __cas_artifact"), "0");
  ASSERT_TRUE(store.flush().ok());
  EXPECT_EQ(scalar(path, "SELECT use_count FROM __cas_artifact"), "1");
}

TEST_F(CasStoreTest, AnArtifactOverTheLengthLimitIsRefusedUpFrontNamingTheLimit) {
  auto store = open();
  sqlite3_limit(cas_detail::Access::impl(store).db.get(), SQLITE_LIMIT_LENGTH, 1000);
  auto over = store.put(std::string(1001, 'o'));
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, Errc::too_large);
  EXPECT_NE(over.error().message.find("exceeds the cache's limit of 1000 bytes"), std::string::npos)
      << over.error().message;
  // exactly at the limit the blob itself is allowed; what SQLite says about the row is its own
  auto at = store.put(std::string(1000, 'o'));
  if (!at.ok()) {
    EXPECT_EQ(at.error().message.find("exceeds the cache's limit"), std::string::npos)
        << at.error().message;
  }
}

}  // namespace
}  // namespace sqlink
