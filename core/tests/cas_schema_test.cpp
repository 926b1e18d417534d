// Schema snapshots, migrations and doctor: every old version, built from its fixture, migrates
// to exactly the committed v4 snapshot with its data; doctor reports drift and writes nothing.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <string>

#include "cas/migrate.hpp"
#include "cas/schema.hpp"
#include "cas_support.hpp"
#include "sqlink/bundle.hpp"
#include "sqlink/cas.hpp"

namespace sqlink {
namespace {

using cas_testing::build_fixture;
using cas_testing::exec_sql;
using cas_testing::file_exists;
using cas_testing::query;
using cas_testing::read_file;
using cas_testing::scalar;
using cas_testing::snapshot_file;
using cas_testing::TempDir;

// The normalised schema of a file, exactly as the snapshots are written.
std::string schema_text(const std::string& path) {
  auto db = cas_detail::Connection::open(cas_detail::file_uri(path, "mode=ro"),
                                         SQLITE_OPEN_READONLY, path);
  if (!db.ok()) return "<cannot open: " + db.error().message + ">";
  auto objects = cas_detail::live_schema(*db);
  if (!objects.ok()) return "<cannot read: " + objects.error().message + ">";
  return cas_detail::format_snapshot(*objects);
}

TEST(CasSchema, CompiledInSnapshotsAreTheCommittedFiles) {
  for (int v = 1; v <= kCasSchemaVersion; ++v) {
    EXPECT_EQ(std::string(cas_detail::schema_snapshot(v)), snapshot_file(v)) << "v" << v;
  }
  EXPECT_EQ(std::string(cas_schema_snapshot()), snapshot_file(kCasSchemaVersion));
  EXPECT_TRUE(cas_detail::schema_snapshot(0).empty());
  EXPECT_TRUE(cas_detail::schema_snapshot(kCasSchemaVersion + 1).empty());
}

TEST(CasSchema, SnapshotsAreNormalisedAndRoundTrip) {
  for (int v = 1; v <= kCasSchemaVersion; ++v) {
    const std::string text = snapshot_file(v);
    EXPECT_EQ(cas_detail::format_snapshot(cas_detail::parse_snapshot(text)), text) << "v" << v;
  }
}

TEST(CasSchema, NormalisingCollapsesSpaceOutsideQuotesOnly) {
  EXPECT_EQ(cas_detail::normalize_sql("  CREATE\tTABLE  t(\n a  TEXT DEFAULT '  x  ')  "),
            "CREATE TABLE t( a TEXT DEFAULT '  x  ')");
}

TEST(CasSchema, EachStatementIsNamedByItsTypeAndName) {
  struct Case {
    const char* sql;
    const char* type;
    const char* name;
  };
  for (const Case& c : {Case{"CREATE TABLE t(a)", "table", "t"},
                        Case{"CREATE TABLE t (a)", "table", "t"},
                        Case{"CREATE TABLE t", "table", "t"},
                        Case{"CREATE UNIQUE INDEX u ON t(a)", "index", "u"},
                        Case{"CREATE TEMP TRIGGER g AFTER INSERT ON t BEGIN SELECT 1; END", "trigger", "g"},
                        Case{"CREATE TEMPORARY VIEW w AS SELECT 1", "view", "w"},
                        Case{"create Table \"q\"(a)", "table", "q"},
                        Case{"CREATE TABLE `b`(a)", "table", "b"},
                        Case{"CREATE TABLE \"\"(a)", "table", ""},
                        Case{"CREATE TABLE 'lit'(a)", "table", "'lit'"},
                        Case{"CREATE TABLE x(a)", "table", "x"},
                        Case{"CREATE TABLE", "table", ""},
                        Case{"CREATE UNIQUE", "", ""},
                        Case{"CREATE", "", ""}}) {
    const auto objects = cas_detail::parse_snapshot(std::string(c.sql) + ";\n");
    ASSERT_EQ(objects.size(), 1u) << c.sql;
    EXPECT_EQ(objects[0].type, c.type) << c.sql;
    EXPECT_EQ(objects[0].name, c.name) << c.sql;
    EXPECT_EQ(objects[0].sql, cas_detail::normalize_sql(c.sql)) << c.sql;
  }
}

TEST(CasSchema, OddStatementsStillGetTheTypeAndNameTheirWordsGive) {
  struct Case {
    const char* sql;
    const char* type;
    const char* name;
  };
  for (const Case& c : {Case{"X TABLE t(a)", "table", "t"},  // a one-letter first word
                        Case{"(a)", "", ""},                  // no words at all
                        Case{"CREATE TABLE \"(a)", "table", "\""},
                        Case{"CREATE TABLE `(a)", "table", "`"}}) {
    const auto objects = cas_detail::parse_snapshot(std::string(c.sql) + ";\n");
    ASSERT_EQ(objects.size(), 1u) << c.sql;
    EXPECT_EQ(objects[0].type, c.type) << c.sql;
    EXPECT_EQ(objects[0].name, c.name) << c.sql;
  }
}

TEST(CasSchema, BlankLinesAreSkippedAndObjectsSortByTypeThenName) {
  const auto objects = cas_detail::parse_snapshot(
      "CREATE INDEX b ON t(x);\n\nCREATE TRIGGER a AFTER DELETE ON t BEGIN SELECT 1; END;\n\n"
      "CREATE TABLE z(x);\nCREATE INDEX a ON t(x);\nCREATE TABLE t(x)\n");
  ASSERT_EQ(objects.size(), 5u);
  EXPECT_EQ(objects[4].name, "t");  // a last line without ';' counts too
  EXPECT_EQ(cas_detail::format_snapshot(objects),
            "CREATE TABLE t(x);\nCREATE TABLE z(x);\nCREATE INDEX a ON t(x);\n"
            "CREATE INDEX b ON t(x);\nCREATE TRIGGER a AFTER DELETE ON t BEGIN SELECT 1; END;\n");
}

TEST(CasSchema, AFreshStoreHasExactlyTheV4Snapshot) {
  TempDir dir;
  ASSERT_TRUE(CasStore::open(dir.file("cas.sqlite")).ok());
  EXPECT_EQ(schema_text(dir.file("cas.sqlite")), snapshot_file(4));
}

TEST(CasSchema, EachFixtureBuildsItsVersionsSnapshot) {
  for (int v = 1; v < kCasSchemaVersion; ++v) {
    TempDir dir;
    ASSERT_EQ(build_fixture(v, dir.file("old.sqlite")), "") << "v" << v;
    EXPECT_EQ(schema_text(dir.file("old.sqlite")), snapshot_file(v)) << "v" << v;
    EXPECT_EQ(scalar(dir.file("old.sqlite"), "SELECT value FROM __cas_meta"), std::to_string(v));
  }
}

TEST(CasMigration, EveryOldVersionMigratesToTheV4SnapshotByteForByte) {
  for (int v = 1; v < kCasSchemaVersion; ++v) {
    TempDir dir;
    const std::string path = dir.file("old.sqlite");
    ASSERT_EQ(build_fixture(v, path), "");
    auto store = CasStore::open(path);
    ASSERT_TRUE(store.ok()) << "v" << v << ": " << store.error().message;
    EXPECT_EQ(store->stats()->schema_version, 4);
    EXPECT_EQ(schema_text(path), snapshot_file(4)) << "from v" << v;
    EXPECT_TRUE(store->verify()->ok()) << "from v" << v;
    EXPECT_EQ(scalar(path, "PRAGMA foreign_key_check"), "<none>");
  }
}

TEST(CasMigration, EachArmProducesTheNextVersionsSnapshot) {
  TempDir dir;
  const std::string path = dir.file("old.sqlite");
  ASSERT_EQ(build_fixture(1, path), "");
  auto db = cas_detail::Connection::open(cas_detail::file_uri(path), SQLITE_OPEN_READWRITE, path);
  ASSERT_TRUE(db.ok());
  for (int from = 1; from < kCasSchemaVersion; ++from) {
    auto r = cas_detail::migrate_one(*db, from, path);
    ASSERT_TRUE(r.ok()) << "arm " << from << ": " << r.error().message;
    EXPECT_EQ(schema_text(path), snapshot_file(from + 1)) << "after arm " << from;
    EXPECT_EQ(scalar(path, "SELECT value FROM __cas_meta WHERE key = 'schema_version'"),
              std::to_string(from + 1));
  }
}

TEST(CasMigration, V1RowsAreHashedDeduplicatedAndKeepTheirUris) {
  TempDir dir;
  const std::string path = dir.file("old.sqlite");
  ASSERT_EQ(build_fixture(1, path), "");
  auto store = CasStore::open(path);
  ASSERT_TRUE(store.ok()) << store.error().message;
  const Hash alpha = sha256("alpha extension bytes"), beta = sha256("beta extension bytes");
  auto list = store->list();
  ASSERT_EQ(list->size(), 2u);  // alpha was stored twice in v1
  const auto a = std::find_if(list->begin(), list->end(), [&](auto& i) { return i.hash == alpha; });
  ASSERT_NE(a, list->end());
  EXPECT_EQ(a->created_at, 1700000000);    // the oldest copy's
  EXPECT_EQ(a->last_used_at, 1700000300);  // the newest use of either copy
  EXPECT_EQ(a->use_count, 5u);             // 2 + 3
  EXPECT_EQ(*store->get(alpha), "alpha extension bytes");
  EXPECT_EQ(*store->get(beta), "beta extension bytes");
  EXPECT_EQ(*store->lookup_uri("https://example.org/alpha.so"), alpha);
  EXPECT_EQ(*store->lookup_uri("file:///opt/ext/beta.so"), beta);
}

TEST(CasMigration, V2RowsKeepTheirHashesAndUris) {
  TempDir dir;
  const std::string path = dir.file("old.sqlite");
  ASSERT_EQ(build_fixture(2, path), "");
  auto store = CasStore::open(path);
  ASSERT_TRUE(store.ok()) << store.error().message;
  EXPECT_EQ(store->stats()->artifacts, 3u);
  EXPECT_EQ(*store->lookup_uri("file:///opt/ext/gamma.so"), sha256("gamma extension bytes"));
  EXPECT_EQ(*store->get(sha256("gamma extension bytes")), "gamma extension bytes");
}

TEST(CasMigration, V3BundleNamesBecomeAliasesOfOneSet) {
  TempDir dir;
  const std::string path = dir.file("old.sqlite");
  ASSERT_EQ(build_fixture(3, path), "");
  auto store = CasStore::open(path);
  ASSERT_TRUE(store.ok()) << store.error().message;
  auto core = bundle_find(*store, "core");
  auto copy = bundle_find(*store, "core-copy");
  ASSERT_TRUE(core.ok() && copy.ok());
  EXPECT_EQ(core->id, copy->id);  // v3 held the same set twice; v4 holds it once
  EXPECT_EQ(core->aliases, (std::vector<std::string>{"core", "core-copy"}));
  EXPECT_EQ(core->name, "core");
  EXPECT_EQ(core->created_at, 1700001000);
  EXPECT_EQ(core->last_used_at, 1700002000);
  auto solo = bundle_resolve(*store, "solo");
  ASSERT_TRUE(solo.ok()) << solo.error().message;
  EXPECT_EQ(solo->members.size(), 1u);
  auto detail = bundle_resolve(*store, "core");
  ASSERT_TRUE(detail.ok());
  ASSERT_EQ(detail->members.size(), 2u);
  EXPECT_EQ(detail->members[0].extension_name, "alpha");
  EXPECT_EQ(detail->members[1].content_hash, sha256("beta extension bytes"));
  ASSERT_EQ(detail->binaries.size(), 2u);  // both names' binaries land on the one set
  EXPECT_EQ(detail->binaries[0].target_triple, "aarch64-unknown-linux-gnu");
  EXPECT_EQ(detail->binaries[1].binary_path, "/opt/sqlink/core-x86_64");
  EXPECT_EQ(store->stats()->bundles, 2u);
  EXPECT_EQ(store->stats()->aliases, 3u);
}

TEST(CasMigration, AFailingArmLeavesTheFileAtItsPreviousVersion) {
  TempDir dir;
  const std::string path = dir.file("old.sqlite");
  ASSERT_EQ(build_fixture(3, path), "");
  // A stray table in the way of the v4 arm makes it fail half-way through.
  ASSERT_EQ(exec_sql(path, "CREATE TABLE __cas_bundle_alias(stray)"), "");
  const std::string before = schema_text(path);
  auto store = CasStore::open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(schema_text(path), before);
  EXPECT_EQ(scalar(path, "SELECT value FROM __cas_meta WHERE key = 'schema_version'"), "3");
  EXPECT_EQ(scalar(path, "SELECT count(*) FROM __cas_bundle"), "3");
}

TEST(CasMigration, MigratingTwiceChangesNothing) {
  TempDir dir;
  const std::string path = dir.file("old.sqlite");
  ASSERT_EQ(build_fixture(1, path), "");
  { ASSERT_TRUE(CasStore::open(path).ok()); }
  const auto rows = query(path, "SELECT hex(hash), use_count FROM __cas_artifact ORDER BY hash");
  { ASSERT_TRUE(CasStore::open(path).ok()); }
  EXPECT_EQ(query(path, "SELECT hex(hash), use_count FROM __cas_artifact ORDER BY hash"), rows);
}

TEST(CasMigration, AReadOnlyOpenDoesNotMigrate) {
  TempDir dir;
  const std::string path = dir.file("old.sqlite");
  ASSERT_EQ(build_fixture(2, path), "");
  const std::string before = read_file(path);
  CasOptions options;
  options.read_only = true;
  auto store = CasStore::open(path, options);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, Errc::unsupported);
  EXPECT_EQ(read_file(path), before);
}

struct FileState {
  std::string bytes;
  timespec mtime{};
  bool wal = false, shm = false;
  bool operator==(const FileState& o) const {
    return bytes == o.bytes && mtime.tv_sec == o.mtime.tv_sec && mtime.tv_nsec == o.mtime.tv_nsec &&
           wal == o.wal && shm == o.shm;
  }
};

FileState state_of(const std::string& path) {
  FileState s;
  s.bytes = read_file(path);
  struct stat st {};
  ::stat(path.c_str(), &st);
  s.mtime = st.st_mtim;
  s.wal = file_exists(path + "-wal");
  s.shm = file_exists(path + "-shm");
  return s;
}

const SchemaDrift* find_drift(const DoctorReport& r, const std::string& name) {
  const auto it = std::find_if(r.drift.begin(), r.drift.end(),
                               [&](const SchemaDrift& d) { return d.name == name; });
  return it == r.drift.end() ? nullptr : &*it;
}

TEST(CasMigration, AMalformedSchemaVersionIsCorruptNamingTheValue) {
  for (const std::string value : {"", "abc", "0", "-1", "4x", " 4", "4.0", "99999999999"}) {
    TempDir dir;
    const std::string path = dir.file("cas.sqlite");
    ASSERT_TRUE(CasStore::open(path).ok());
    ASSERT_EQ(exec_sql(path, "UPDATE __cas_meta SET value = '" + value + "' WHERE key = 'schema_version'"), "");
    auto store = CasStore::open(path);
    ASSERT_FALSE(store.ok()) << "'" << value << "'";
    EXPECT_EQ(store.error().code, Errc::corrupt) << "'" << value << "': " << store.error().message;
    EXPECT_NE(store.error().message.find("no valid schema_version"), std::string::npos)
        << store.error().message;
    EXPECT_EQ(store.error().input, value);
  }
  // a newer version than this build knows is refused as such, read-only as well
  TempDir dir;
  const std::string path = dir.file("cas.sqlite");
  ASSERT_TRUE(CasStore::open(path).ok());
  ASSERT_EQ(exec_sql(path, "UPDATE __cas_meta SET value = '" + std::to_string(kCasSchemaVersion + 1) +
                               "' WHERE key = 'schema_version'"),
            "");
  CasOptions read_only;
  read_only.read_only = true;
  for (const CasOptions& options : {CasOptions{}, read_only}) {
    auto store = CasStore::open(path, options);
    ASSERT_FALSE(store.ok());
    EXPECT_NE(store.error().message.find(std::to_string(kCasSchemaVersion + 1)), std::string::npos)
        << store.error().message;
  }
}

TEST(CasDoctor, AHealthyStoreHasNoDrift) {
  TempDir dir;
  const std::string path = dir.file("cas.sqlite");
  { ASSERT_TRUE(CasStore::open(path).ok()); }
  auto report = cas_doctor(path);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_TRUE(report->ok());
  EXPECT_EQ(report->schema_version, 4);
  EXPECT_EQ(report->integrity, std::vector<std::string>{"ok"});
}

TEST(CasDoctor, ReportsAnExtraIndexAndADroppedTableWithoutTouchingTheFile) {
  TempDir dir;
  const std::string path = dir.file("cas.sqlite");
  { ASSERT_TRUE(CasStore::open(path).ok()); }
  ASSERT_EQ(exec_sql(path,
                     "CREATE INDEX extra_idx ON __cas_artifact(created_at);"
                     "DROP TABLE __cas_bundle_binary;"),
            "");
  const FileState before = state_of(path);
  ASSERT_FALSE(before.wal);
  auto report = cas_doctor(path);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_FALSE(report->ok());
  const SchemaDrift* extra = find_drift(*report, "extra_idx");
  ASSERT_NE(extra, nullptr);
  EXPECT_EQ(extra->kind, SchemaDrift::Kind::extra);
  EXPECT_EQ(extra->type, "index");
  const SchemaDrift* missing = find_drift(*report, "__cas_bundle_binary");
  ASSERT_NE(missing, nullptr);
  EXPECT_EQ(missing->kind, SchemaDrift::Kind::missing);
  EXPECT_EQ(drift_kind_name(missing->kind), "missing");
  EXPECT_EQ(report->drift.size(), 2u);
  EXPECT_TRUE(state_of(path) == before) << "doctor changed the file or created -wal/-shm";
}

TEST(CasDoctor, AnOldSchemaShowsWhatDiffers) {
  TempDir dir;
  const std::string path = dir.file("old.sqlite");
  ASSERT_EQ(build_fixture(3, path), "");
  const FileState before = state_of(path);
  auto report = cas_doctor(path);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->schema_version, 3);
  const SchemaDrift* bundle = find_drift(*report, "__cas_bundle");
  ASSERT_NE(bundle, nullptr);
  EXPECT_EQ(bundle->kind, SchemaDrift::Kind::different);
  EXPECT_NE(bundle->actual.find("UNIQUE"), std::string::npos);
  EXPECT_EQ(bundle->expected.find("UNIQUE"), std::string::npos);
  ASSERT_NE(find_drift(*report, "__cas_bundle_alias"), nullptr);
  EXPECT_EQ(report->integrity, std::vector<std::string>{"ok"});
  EXPECT_TRUE(state_of(path) == before);
}

TEST(CasDoctor, WorksBesideAnOpenStore) {
  TempDir dir;
  const std::string path = dir.file("cas.sqlite");
  auto store = CasStore::open(path);
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE(store->put("x").ok());
  auto report = cas_doctor(path);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_TRUE(report->ok());
}

TEST(CasDoctor, AMissingFileIsNotFoundAndNotCreated) {
  TempDir dir;
  auto report = cas_doctor(dir.file("nope.sqlite"));
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().code, Errc::not_found);
  EXPECT_FALSE(file_exists(dir.file("nope.sqlite")));
}

TEST(CasMigration, OneArmRunsOnlyOnAFileAtItsVersion) {
  TempDir dir;
  const std::string current = dir.file("current.sqlite");
  { ASSERT_TRUE(CasStore::open(current).ok()); }
  auto db = cas_detail::Connection::open(cas_detail::file_uri(current), SQLITE_OPEN_READWRITE, current);
  ASSERT_TRUE(db.ok());
  // no arm starts at the current version
  auto at_current = cas_detail::migrate_one(*db, kCasSchemaVersion, current);
  ASSERT_FALSE(at_current.ok());
  EXPECT_EQ(at_current.error().code, Errc::corrupt) << at_current.error().message;
  // asking for the arm from 0 (a fresh file) on a current one names both versions
  auto from_zero = cas_detail::migrate_one(*db, 0, current);
  ASSERT_FALSE(from_zero.ok());
  EXPECT_EQ(from_zero.error().code, Errc::invalid_value) << from_zero.error().message;
  EXPECT_NE(from_zero.error().message.find("at version 4, not 0"), std::string::npos)
      << from_zero.error().message;
  // an arm for another version leaves an old file as it was
  const std::string old = dir.file("old.sqlite");
  ASSERT_EQ(build_fixture(1, old), "");
  auto old_db = cas_detail::Connection::open(cas_detail::file_uri(old), SQLITE_OPEN_READWRITE, old);
  ASSERT_TRUE(old_db.ok());
  auto wrong_arm = cas_detail::migrate_one(*old_db, 2, old);
  ASSERT_FALSE(wrong_arm.ok());
  EXPECT_EQ(wrong_arm.error().code, Errc::invalid_value) << wrong_arm.error().message;
  EXPECT_EQ(schema_text(old), snapshot_file(1));
  // and a newer file is refused as newer
  ASSERT_EQ(exec_sql(current, "UPDATE __cas_meta SET value = '5' WHERE key = 'schema_version'"), "");
  auto newer = cas_detail::migrate_one(*db, 5, current);
  ASSERT_FALSE(newer.ok());
  EXPECT_EQ(newer.error().code, Errc::schema_too_new) << newer.error().message;
}

// The default VFS with a hook run the first time SQLite sleeps in a busy handler, that is, once
// a connection is waiting for a lock. Registered as the default for its lifetime.
class SleepHookVfs {
 public:
  explicit SleepHookVfs(std::function<void()> on_first_sleep)
      : base_(sqlite3_vfs_find(nullptr)), hook_(std::move(on_first_sleep)) {
    vfs_ = *base_;
    vfs_.zName = "sqlink-test-sleep-hook";
    vfs_.pNext = nullptr;
    vfs_.xSleep = &SleepHookVfs::sleep;
    current_ = this;
    sqlite3_vfs_register(&vfs_, 1);
  }
  ~SleepHookVfs() {
    sqlite3_vfs_unregister(&vfs_);
    current_ = nullptr;
  }
  SleepHookVfs(const SleepHookVfs&) = delete;
  SleepHookVfs& operator=(const SleepHookVfs&) = delete;
  bool ran() const { return ran_; }

 private:
  static int sleep(sqlite3_vfs*, int microseconds) {
    SleepHookVfs* self = current_;
    if (!self->ran_) {
      self->ran_ = true;
      self->hook_();
    }
    return self->base_->xSleep(self->base_, microseconds);
  }
  static inline SleepHookVfs* current_ = nullptr;
  sqlite3_vfs* base_;
  sqlite3_vfs vfs_{};
  std::function<void()> hook_;
  bool ran_ = false;
};

TEST(CasMigration, AFileAnotherConnectionMigratedWhileThisOneWaitedIsLeftAsItIs) {
  TempDir dir;
  const std::string path = dir.file("cas.sqlite");
  {
    auto store = CasStore::open(path);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE(store->put("kept").ok());
  }
  // The file claims v3 (so an open wants to migrate it) while another connection, holding the
  // write lock, is about to finish that migration: it commits v4 once the open waits for it.
  ASSERT_EQ(exec_sql(path, "UPDATE __cas_meta SET value = '3' WHERE key = 'schema_version'"), "");
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other,
                         "BEGIN IMMEDIATE;"
                         "UPDATE __cas_meta SET value = '4' WHERE key = 'schema_version'",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  {
    SleepHookVfs hook([other] { sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr); });
    auto store = CasStore::open(path);
    EXPECT_TRUE(hook.ran());
    ASSERT_TRUE(store.ok()) << store.error().message;
    EXPECT_EQ(store->stats()->schema_version, kCasSchemaVersion);
    EXPECT_EQ(*store->get(sha256("kept")), "kept");
  }
  sqlite3_close(other);
  EXPECT_EQ(schema_text(path), snapshot_file(4));
}

TEST(CasDoctor, AFileWithoutAVersionToReadReportsVersion0) {
  TempDir dir;
  const std::string foreign = dir.file("foreign.sqlite");
  ASSERT_EQ(exec_sql(foreign, "CREATE TABLE users(id INTEGER PRIMARY KEY)"), "");
  auto report = cas_doctor(foreign);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->schema_version, 0);
  const std::string path = dir.file("cas.sqlite");
  { ASSERT_TRUE(CasStore::open(path).ok()); }
  ASSERT_EQ(exec_sql(path, "DELETE FROM __cas_meta"), "");
  report = cas_doctor(path);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->schema_version, 0);
  EXPECT_TRUE(report->drift.empty());
}

TEST(CasDoctor, ADamagedVersionTableIsReportedAsCorrupt) {
  TempDir dir;
  const std::string path = dir.file("cas.sqlite");
  { ASSERT_TRUE(CasStore::open(path).ok()); }
  ASSERT_EQ(exec_sql(path, "PRAGMA journal_mode = DELETE"), "");  // every page in the file itself
  const int page = std::stoi(scalar(path, "SELECT rootpage FROM sqlite_schema WHERE name = '__cas_meta'"));
  const int page_size = std::stoi(scalar(path, "PRAGMA page_size"));
  ASSERT_FALSE(file_exists(path + "-wal"));
  {
    // the table's root page overwritten with junk
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(page - 1) * page_size);
    const std::string junk(static_cast<std::size_t>(page_size), '\xa5');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  // reading the version fails; the integrity check then names the damage
  auto report = cas_doctor(path);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().code, Errc::corrupt) << report.error().message;
  EXPECT_NE(report.error().message.find("cannot inspect"), std::string::npos)
      << report.error().message;
}

TEST(CasMigration, AnArmThatLeavesADanglingReferenceIsRefusedNamingBothTables) {
  TempDir dir;
  const std::string path = dir.file("old.sqlite");
  ASSERT_EQ(build_fixture(3, path), "");
  ASSERT_EQ(exec_sql(path, "INSERT INTO __cas_uri(uri, hash, fetched_at, last_used_at)"
                           " VALUES('https://e.org/gone.so', zeroblob(32), 1, 1)"),
            "");
  auto store = CasStore::open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, Errc::corrupt);
  EXPECT_NE(store.error().message.find("left a row in '__cas_uri' pointing at a missing "
                                       "'__cas_artifact'"),
            std::string::npos)
      << store.error().message;
  EXPECT_EQ(scalar(path, "SELECT value FROM __cas_meta WHERE key = 'schema_version'"), "3");
}

}  // namespace
}  // namespace sqlink
