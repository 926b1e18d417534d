// The store's SQLite layer (cas/sqlite.cpp) on real database files: file: URIs for odd paths,
// error messages that carry SQLite's own text and the OS reason, extended result codes, and
// the statement cache (reuse, leases, and no caching when it is off).
#include <sqlite3.h>

#include <gtest/gtest.h>

#include <string>

#include "cas/sqlite.hpp"
#include "cas_support.hpp"

namespace sqlink {
namespace {

using cas_detail::Connection;
using cas_detail::Stmt;
using cas_testing::TempDir;

Connection open_db(const std::string& path) {
  auto db = Connection::open(cas_detail::file_uri(path), SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                             path);
  if (!db.ok()) {
    ADD_FAILURE() << db.error().message;
    std::abort();
  }
  return std::move(db).value();
}

int live_statements(const Connection& db) {
  int n = 0;
  for (sqlite3_stmt* s = sqlite3_next_stmt(db.get(), nullptr); s != nullptr;
       s = sqlite3_next_stmt(db.get(), s)) {
    ++n;
  }
  return n;
}

TEST(CasSqlite, FileUrisEscapeExactlyTheBytesAUriWouldMisread) {
  EXPECT_EQ(cas_detail::file_uri("/a?b#c%d e"), "file:/a%3Fb%23c%25d e");
  EXPECT_EQ(cas_detail::file_uri("/x", "mode=ro"), "file:/x?mode=ro");
  // and such a path opens the file it names
  TempDir dir;
  const std::string odd = dir.file("a?b#c%d.sqlite");
  { Connection db = open_db(odd); }
  EXPECT_TRUE(cas_testing::file_exists(odd));
}

TEST(CasSqlite, AnOpenFailureCarriesTheOsReason) {
  TempDir dir;
  const std::string missing = dir.file("no-such-dir/x.sqlite");
  auto db = Connection::open(cas_detail::file_uri(missing), SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                             missing);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().code, Errc::io_error) << db.error().message;
  EXPECT_NE(db.error().message.find(quoted(missing)), std::string::npos) << db.error().message;
  EXPECT_NE(db.error().message.find(sqlite3_errstr(SQLITE_CANTOPEN)), std::string::npos)
      << db.error().message;
  EXPECT_NE(db.error().message.find("(" + std::generic_category().message(ENOENT) + ")"),
            std::string::npos)
      << db.error().message;
}

TEST(CasSqlite, ASqlErrorCarriesSqlitesOwnTextAndNoOsReason) {
  TempDir dir;
  Connection db = open_db(dir.file("db.sqlite"));
  auto bad = db.prepare("SELEC 1", "reading the thing");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, std::string("reading the thing: ") + sqlite3_errmsg(db.get()));
  EXPECT_NE(bad.error().message.find("syntax error"), std::string::npos) << bad.error().message;
  EXPECT_EQ(bad.error().message.find(" ("), std::string::npos) << bad.error().message;
}

TEST(CasSqlite, ErrorsWithoutAConnectionUseTheGenericText) {
  const Error e = cas_detail::sqlite_error(nullptr, SQLITE_IOERR_READ, "doing");
  EXPECT_EQ(e.message, std::string("doing: ") + sqlite3_errstr(SQLITE_IOERR_READ));
  EXPECT_EQ(e.code, Errc::io_error);
  const Error busy = cas_detail::sqlite_error(nullptr, SQLITE_BUSY_SNAPSHOT, "doing");
  EXPECT_EQ(busy.message, std::string("doing: ") + sqlite3_errstr(SQLITE_BUSY_SNAPSHOT));
}

TEST(CasSqlite, ConnectionsReportExtendedResultCodes) {
  TempDir dir;
  Connection db = open_db(dir.file("db.sqlite"));
  ASSERT_TRUE(db.exec("CREATE TABLE t(x UNIQUE); INSERT INTO t VALUES(1)", "setup").ok());
  auto dup = db.exec("INSERT INTO t VALUES(1)", "inserting");
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(sqlite3_errcode(db.get()), SQLITE_CONSTRAINT_UNIQUE);
}

TEST(CasSqlite, ACachedStatementIsReusedOnceItsLeaseEnds) {
  TempDir dir;
  Connection db = open_db(dir.file("db.sqlite"));
  sqlite3_stmt* first = nullptr;
  {
    auto s = db.prepare("SELECT ?1", "q");
    ASSERT_TRUE(s.ok());
    first = s->raw();
  }
  EXPECT_EQ(live_statements(db), 1);  // kept, not finalized
  auto again = db.prepare("SELECT ?1", "q");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->raw(), first);
  EXPECT_EQ(live_statements(db), 1);
}

TEST(CasSqlite, AStatementInUseIsNeverHandedOutTwice) {
  TempDir dir;
  Connection db = open_db(dir.file("db.sqlite"));
  auto a = db.prepare("SELECT ?1", "q");
  ASSERT_TRUE(a.ok());
  a->bind(1, 1);
  auto b = db.prepare("SELECT ?1", "q");  // while `a` holds the cached one
  ASSERT_TRUE(b.ok());
  EXPECT_NE(b->raw(), a->raw());
  b->bind(1, 2);
  ASSERT_TRUE(*a->step("q"));
  ASSERT_TRUE(*b->step("q"));
  EXPECT_EQ(a->int64(0), 1);
  EXPECT_EQ(b->int64(0), 2);
}

TEST(CasSqlite, WithCachingOffNothingOutlivesItsStatement) {
  TempDir dir;
  Connection db = open_db(dir.file("db.sqlite"));
  db.set_caching(false);
  {
    auto s = db.prepare("SELECT 1", "q");
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(live_statements(db), 1);
  }
  EXPECT_EQ(live_statements(db), 0);
  db.set_caching(true);
  { auto s = db.prepare("SELECT 1", "q"); }
  EXPECT_EQ(live_statements(db), 1);
}

TEST(CasSqlite, AStatementLeasedAgainFromTheCacheIsNotHandedOutTwiceEither) {
  TempDir dir;
  Connection db = open_db(dir.file("db.sqlite"));
  { auto first = db.prepare("SELECT ?1", "q"); }  // cached; its lease ends here
  auto a = db.prepare("SELECT ?1", "q");           // the cached one, leased again
  ASSERT_TRUE(a.ok());
  a->bind(1, 1);
  auto b = db.prepare("SELECT ?1", "q");
  ASSERT_TRUE(b.ok());
  EXPECT_NE(b->raw(), a->raw());
  b->bind(1, 2);
  ASSERT_TRUE(*a->step("q"));
  EXPECT_EQ(a->int64(0), 1);
}

TEST(CasSqlite, AnErrorAfterAnOsFailureDoesNotCarryThatFailuresReason) {
  TempDir dir;
  Connection db = open_db(dir.file("db.sqlite"));
  const std::string missing = dir.file("no-such-dir/x.sqlite");
  auto attach = db.exec(("ATTACH '" + missing + "' AS x").c_str(), "attaching");
  ASSERT_FALSE(attach.ok());
  ASSERT_NE(sqlite3_system_errno(db.get()), 0);  // the connection remembers the OS error...
  auto bad = db.prepare("SELEC 1", "reading the thing");
  ASSERT_FALSE(bad.ok());
  // ...but a syntax error has nothing to do with it
  EXPECT_EQ(bad.error().message, std::string("reading the thing: ") + sqlite3_errmsg(db.get()));
  EXPECT_EQ(bad.error().code, Errc::database_error);
}

TEST(CasSqlite, AssigningOverAConnectionClosesTheOldOne) {
  TempDir dir;
  const std::string first = dir.file("first.sqlite");
  Connection db = open_db(first);
  ASSERT_TRUE(db.exec("CREATE TABLE t(x); BEGIN IMMEDIATE; INSERT INTO t VALUES(1)", "setup").ok());
  db = open_db(dir.file("second.sqlite"));
  // the old connection is gone, and with it its write lock and its uncommitted row
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(first.c_str(), &other), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE; COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);
  EXPECT_EQ(cas_testing::scalar(first, "SELECT count(*) FROM t"), "0");
}

TEST(CasSqlite, ACodeTheConnectionDidNotReportUsesTheGenericText) {
  TempDir dir;
  Connection db = open_db(dir.file("db.sqlite"));
  ASSERT_EQ(sqlite3_errcode(db.get()), SQLITE_OK);
  // e.g. a backup's result: the connection itself holds no such error
  const Error e = cas_detail::sqlite_error(db.get(), SQLITE_CORRUPT, "copying");
  EXPECT_EQ(e.message, std::string("copying: ") + sqlite3_errstr(SQLITE_CORRUPT));
  EXPECT_EQ(e.code, Errc::corrupt);
}

}  // namespace
}  // namespace sqlink
