// The prefix registry on a real database file: its schema, add/list/rename/delete, binding
// with numbered fallbacks, rows, pins, conflicts and verify, without a live host.
#include <sqlite3.h>
#include <stdlib.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "sqlink/limits.hpp"
#include "sqlink/prefix.hpp"
#include "support/temp_dir.hpp"

namespace sqlink {
namespace {

namespace fs = std::filesystem;

// A scratch directory, removed afterwards (support/temp_dir.hpp).
class TempDir : public testing::TempDir {
 public:
  TempDir() : testing::TempDir("prefix") {}
};

::testing::AssertionResult FailsWith(const Error& error, Errc code, std::string_view raw) {
  if (error.code != code) {
    return ::testing::AssertionFailure() << "code " << errc_name(error.code) << " instead of "
                                         << errc_name(code) << ": " << error.message;
  }
  if (error.message.find(quoted(raw)) == std::string::npos) {
    return ::testing::AssertionFailure() << "message does not name " << quoted(raw) << ": "
                                         << error.message;
  }
  return ::testing::AssertionSuccess();
}

template <class T>
::testing::AssertionResult FailsWith(const Result<T>& result, Errc code, std::string_view raw) {
  if (result.ok()) return ::testing::AssertionFailure() << "succeeded";
  return FailsWith(result.error(), code, raw);
}

void noop(sqlite3_context* ctx, int, sqlite3_value**) { sqlite3_result_null(ctx); }

class PrefixRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_path_ = dir_.path() + "/user.db";
    ASSERT_EQ(sqlite3_open(db_path_.c_str(), &db_), SQLITE_OK);
    Result<PrefixRegistry> opened = PrefixRegistry::open(db_);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    registry_.emplace(std::move(*opened));
  }
  void TearDown() override {
    registry_.reset();
    sqlite3_close(db_);
  }
  PrefixRegistry& reg() { return *registry_; }
  std::string scalar(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      return std::string("ERROR: ") + sqlite3_errmsg(db_);
    }
    std::string out = "<none>";
    if (sqlite3_step(stmt) == SQLITE_ROW) {
      const auto* text = sqlite3_column_text(stmt, 0);
      out = text ? reinterpret_cast<const char*>(text) : "NULL";
    }
    sqlite3_finalize(stmt);
    return out;
  }
  void exec(const std::string& sql) {
    ASSERT_EQ(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db_);
  }
  void row(const char* expansion, const char* function, int n_args) {
    ASSERT_TRUE(reg().record(PrefixFunction{expansion, function, "ext", n_args, 0}).ok());
  }

  TempDir dir_;
  std::string db_path_;
  sqlite3* db_ = nullptr;
  std::optional<PrefixRegistry> registry_;
};

TEST_F(PrefixRegistryTest, CreatesTheThreeTablesOfTheDesign) {
  EXPECT_EQ(scalar("SELECT group_concat(name, ',') FROM (SELECT name FROM pragma_table_info("
                   "'__sqlink_prefix') ORDER BY cid)"),
            "name,expansion,description,created_at,last_used_at");
  EXPECT_EQ(scalar("SELECT group_concat(name, ',') FROM (SELECT name FROM pragma_table_info("
                   "'__sqlink_prefix_function') ORDER BY cid)"),
            "expansion,function_name,extension_name,n_args,registered_at");
  EXPECT_EQ(scalar("SELECT group_concat(name, ',') FROM (SELECT name FROM pragma_table_info("
                   "'__sqlink_prefix_pin') ORDER BY cid)"),
            "function_name,n_args,expansion,set_at");
  // Primary keys, in key order.
  EXPECT_EQ(scalar("SELECT group_concat(name, ',') FROM (SELECT name FROM pragma_table_info("
                   "'__sqlink_prefix_function') WHERE pk > 0 ORDER BY pk)"),
            "expansion,function_name,n_args");
  EXPECT_EQ(scalar("SELECT group_concat(name, ',') FROM (SELECT name FROM pragma_table_info("
                   "'__sqlink_prefix_pin') WHERE pk > 0 ORDER BY pk)"),
            "function_name,n_args");
  EXPECT_EQ(scalar("SELECT name FROM pragma_table_info('__sqlink_prefix') WHERE pk = 1"), "name");
  for (const char* table : {"__sqlink_prefix_function", "__sqlink_prefix_pin"}) {
    EXPECT_NE(scalar(std::string("SELECT sql FROM sqlite_schema WHERE name = '") + table + "'")
                  .find("WITHOUT ROWID"),
              std::string::npos)
        << table;
  }
}

TEST_F(PrefixRegistryTest, OpeningAgainKeepsWhatIsStored) {
  ASSERT_TRUE(reg().add("fx", "org.example.fx", "first").ok());
  Result<PrefixRegistry> again = PrefixRegistry::open(db_);
  ASSERT_TRUE(again.ok());
  Result<std::string> expansion = again->expansion("fx");
  ASSERT_TRUE(expansion.ok());
  EXPECT_EQ(*expansion, "org.example.fx");
}

TEST_F(PrefixRegistryTest, AddListAndExpansion) {
  ASSERT_TRUE(reg().add("uuid", "org.example.uuid", "UUIDs").ok());
  ASSERT_TRUE(reg().add("geo", "org.example.geo").ok());
  Result<std::vector<PrefixInfo>> all = reg().list();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].name, "geo");
  EXPECT_FALSE((*all)[0].description.has_value());
  EXPECT_EQ((*all)[1].name, "uuid");
  EXPECT_EQ((*all)[1].description, "UUIDs");
  EXPECT_GT((*all)[1].created_at, 0);
  EXPECT_EQ(*reg().expansion("UUID"), "org.example.uuid");  // names are case-insensitive
  EXPECT_TRUE(FailsWith(reg().expansion("nope"), Errc::not_found, "nope"));
}

TEST_F(PrefixRegistryTest, AddRefusesBadInputNamingIt) {
  EXPECT_TRUE(FailsWith(reg().add("9bad", "org.x"), Errc::invalid_value, "9bad"));
  EXPECT_TRUE(FailsWith(reg().add("a-b", "org.x"), Errc::invalid_value, "a-b"));
  EXPECT_TRUE(FailsWith(reg().add("a\x1b", "org.x"), Errc::control_character, "a\x1b"));
  EXPECT_TRUE(FailsWith(reg().add(std::string(300, 'a'), "org.x"), Errc::too_long,
                        std::string(300, 'a')));
  EXPECT_TRUE(FailsWith(reg().add("ok", "org\nx"), Errc::control_character, "org\nx"));
  EXPECT_TRUE(FailsWith(reg().add("ok", "org.x", "bell\x07"), Errc::control_character,
                        "bell\x07"));
  EXPECT_TRUE(reg().list()->empty());
}

TEST_F(PrefixRegistryTest, AddRefusesRebindingANameOrAnExpansion) {
  ASSERT_TRUE(reg().add("fx", "org.example.alpha").ok());
  EXPECT_TRUE(reg().add("fx", "org.example.alpha", "same binding, new text").ok());
  EXPECT_EQ(reg().list()->front().description, "same binding, new text");
  EXPECT_TRUE(FailsWith(reg().add("FX", "org.example.beta"), Errc::conflict, "FX"));
  EXPECT_TRUE(FailsWith(reg().add("fy", "org.example.alpha"), Errc::conflict, "fy"));
}

TEST_F(PrefixRegistryTest, BindNumbersThePreferredPrefixWhenTaken) {
  Result<BoundPrefix> first = reg().bind("fx", "org.example.alpha");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->name, "fx");
  EXPECT_TRUE(first->is_new);
  EXPECT_FALSE(first->numbered);
  Result<BoundPrefix> second = reg().bind("fx", "org.example.beta");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->name, "fx2");
  EXPECT_TRUE(second->numbered);
  Result<BoundPrefix> third = reg().bind("FX", "org.example.gamma", /*dry_run=*/true);
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->name, "FX3");
  EXPECT_EQ(reg().list()->size(), 2u);  // the dry run wrote nothing
  Result<BoundPrefix> again = reg().bind("other", "org.example.beta");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->name, "fx2");  // an expansion keeps the prefix it has
  EXPECT_FALSE(again->is_new);
}

TEST_F(PrefixRegistryTest, RowsAreUpsertedListedAndForgotten) {
  ASSERT_TRUE(reg().add("fx", "org.example.alpha").ok());
  row("org.example.alpha", "hello", 0);
  row("org.example.alpha", "hello", 1);
  row("org.example.alpha", "hello", 0);  // again: refreshed, not duplicated
  row("org.example.alpha", "rev", kCollationArgs);
  Result<std::vector<PrefixFunction>> rows = reg().functions("fx");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[0].function_name, "hello");
  EXPECT_EQ((*rows)[0].n_args, 0);
  EXPECT_EQ((*rows)[1].n_args, 1);
  EXPECT_EQ((*rows)[2].n_args, kCollationArgs);
  ASSERT_TRUE(reg().forget("org.example.alpha", "hello", 1).ok());
  EXPECT_EQ(reg().functions("fx")->size(), 2u);
  EXPECT_TRUE(FailsWith(reg().functions("nope"), Errc::not_found, "nope"));
}

TEST_F(PrefixRegistryTest, RenameMovesTheBindingAndItsRows) {
  ASSERT_TRUE(reg().add("fx", "org.example.alpha").ok());
  ASSERT_TRUE(reg().add("gx", "org.example.beta").ok());
  row("org.example.alpha", "hello", 0);
  ASSERT_TRUE(reg().rename("fx", "ax").ok());
  EXPECT_EQ(*reg().expansion("ax"), "org.example.alpha");
  EXPECT_EQ(reg().functions("ax")->size(), 1u);
  EXPECT_TRUE(FailsWith(reg().expansion("fx"), Errc::not_found, "fx"));
  EXPECT_TRUE(FailsWith(reg().rename("ax", "gx"), Errc::conflict, "gx"));
  EXPECT_TRUE(FailsWith(reg().rename("nope", "zz"), Errc::not_found, "nope"));
  EXPECT_TRUE(FailsWith(reg().rename("ax", "1x"), Errc::invalid_value, "1x"));
  EXPECT_TRUE(reg().rename("ax", "AX").ok());  // a change of case only
  EXPECT_EQ(reg().list()->front().name, "AX");
}

TEST_F(PrefixRegistryTest, DeleteRemovesThePrefixItsRowsAndPinsToIt) {
  ASSERT_TRUE(reg().add("fx", "org.example.alpha").ok());
  ASSERT_TRUE(reg().add("gx", "org.example.beta").ok());
  row("org.example.alpha", "hello", 0);
  row("org.example.beta", "hello", 0);
  ASSERT_TRUE(reg().prefer("hello", "fx").ok());
  ASSERT_TRUE(reg().remove("fx").ok());
  EXPECT_EQ(scalar("SELECT count(*) FROM __sqlink_prefix_function WHERE expansion = "
                   "'org.example.alpha'"),
            "0");
  EXPECT_EQ(scalar("SELECT count(*) FROM __sqlink_prefix_pin"), "0");
  EXPECT_EQ(scalar("SELECT count(*) FROM __sqlink_prefix_function"), "1");
  EXPECT_TRUE(FailsWith(reg().remove("fx"), Errc::not_found, "fx"));
}

TEST_F(PrefixRegistryTest, PreferPinsEveryArityOfTheChosenExtension) {
  ASSERT_TRUE(reg().add("fx", "org.example.alpha").ok());
  ASSERT_TRUE(reg().add("fx2", "org.example.beta").ok());
  row("org.example.alpha", "hello", 0);
  ASSERT_TRUE(reg().record(PrefixFunction{"org.example.beta", "hello", "fx_beta", 0, 0}).ok());
  ASSERT_TRUE(reg().record(PrefixFunction{"org.example.beta", "hello", "fx_beta", 1, 0}).ok());

  // By extension name, by expansion and by prefix: the same pins.
  for (const char* who : {"fx_beta", "org.example.beta", "fx2"}) {
    Result<std::vector<Pin>> pins = reg().prefer("HELLO", who);
    ASSERT_TRUE(pins.ok()) << who << ": " << pins.error().message;
    ASSERT_EQ(pins->size(), 2u);
    EXPECT_EQ((*pins)[0].n_args, 0);
    EXPECT_EQ((*pins)[1].n_args, 1);
    EXPECT_EQ(reg().pins()->size(), 2u);
    EXPECT_EQ(*reg().pinned(NameKind::function, "hello"), "org.example.beta");
  }
  ASSERT_TRUE(reg().prefer("hello", "fx").ok());  // replaces the pins of the name
  EXPECT_EQ(reg().pins()->size(), 1u);
  EXPECT_EQ(*reg().pinned(NameKind::function, "hello"), "org.example.alpha");
  EXPECT_FALSE(reg().pinned(NameKind::collation, "hello")->has_value());

  ASSERT_TRUE(reg().unprefer("hello").ok());
  EXPECT_TRUE(reg().pins()->empty());
  EXPECT_TRUE(FailsWith(reg().unprefer("hello"), Errc::not_found, "hello"));
}

TEST_F(PrefixRegistryTest, PreferRefusesBuiltinsAndUnknownExtensions) {
  ASSERT_TRUE(reg().add("fx", "org.example.alpha").ok());
  row("org.example.alpha", "lower", 1);
  row("org.example.alpha", "hello", 0);
  EXPECT_TRUE(FailsWith(reg().prefer("lower", "fx"), Errc::conflict, "lower"));
  Result<std::vector<Pin>> unknown = reg().prefer("hello", "nosuch");
  EXPECT_TRUE(FailsWith(unknown, Errc::not_found, "nosuch"));
  EXPECT_NE(unknown.error().hint.find("'ext'"), std::string::npos) << unknown.error().hint;
  EXPECT_TRUE(reg().pins()->empty());
}

TEST_F(PrefixRegistryTest, ConflictsListBareNamesWantedTwice) {
  ASSERT_TRUE(reg().add("fx", "org.example.alpha").ok());
  ASSERT_TRUE(reg().add("gx", "org.example.beta").ok());
  row("org.example.alpha", "hello", 0);
  row("org.example.beta", "Hello", 1);
  row("org.example.beta", "greet", 0);
  row("org.example.alpha", "greet", kCollationArgs);  // another namespace: no conflict
  Result<std::vector<Conflict>> conflicts = reg().conflicts();
  ASSERT_TRUE(conflicts.ok());
  ASSERT_EQ(conflicts->size(), 1u);
  EXPECT_EQ((*conflicts)[0].name, "hello");
  EXPECT_EQ((*conflicts)[0].expansions,
            (std::vector<std::string>{"org.example.alpha", "org.example.beta"}));
  EXPECT_FALSE((*conflicts)[0].pinned.has_value());
  ASSERT_TRUE(reg().prefer("hello", "gx").ok());
  EXPECT_EQ(reg().conflicts()->front().pinned, "org.example.beta");
}

TEST_F(PrefixRegistryTest, VerifyComparesRowsWithTheConnection) {
  ASSERT_TRUE(reg().add("fx", "org.example.alpha").ok());
  ASSERT_TRUE(reg().add("gx", "org.example.beta").ok());
  row("org.example.alpha", "hello", 0);
  row("org.example.alpha", "hello", 1);
  row("org.example.beta", "greet", 0);       // not loaded at all: fine
  row("org.example.orphan", "lost", 0);      // no prefix
  ASSERT_EQ(sqlite3_create_function(db_, "fx__hello", 0, SQLITE_UTF8, nullptr, noop, nullptr,
                                    nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_create_function(db_, "fx__stray", 2, SQLITE_UTF8, nullptr, noop, nullptr,
                                    nullptr), SQLITE_OK);
  exec("INSERT INTO __sqlink_prefix_pin VALUES ('gone', 0, 'org.example.beta', 0)");

  Result<PrefixVerifyReport> report = reg().verify();
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->rows, 4u);
  EXPECT_EQ(report->present, 1u);
  EXPECT_EQ(report->not_loaded, std::vector<std::string>{"org.example.beta"});
  EXPECT_FALSE(report->ok());
  const std::vector<VerifyIssue> expected = {
      {VerifyIssue::Kind::orphan_row, "lost", 0, "org.example.orphan"},
      {VerifyIssue::Kind::missing, "fx__hello", 1, "org.example.alpha"},
      {VerifyIssue::Kind::unrecorded, "fx__stray", 2, "org.example.alpha"},
      {VerifyIssue::Kind::dangling_pin, "gone", 0, "org.example.beta"},
  };
  EXPECT_EQ(report->issues, expected);
}

TEST_F(PrefixRegistryTest, ListShowsWhenAPrefixWasLastUsedAndTouchBumpsIt) {
  ASSERT_TRUE(reg().bind("fx", "org.example.alpha").ok());
  Result<std::vector<PrefixInfo>> all = reg().list();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_GT((*all)[0].last_used_at, 0);
  EXPECT_EQ((*all)[0].last_used_at, (*all)[0].created_at);
  exec("UPDATE __sqlink_prefix SET last_used_at = 5");
  EXPECT_EQ(reg().list()->front().last_used_at, 5);
  ASSERT_TRUE(reg().touch("fx").ok());
  EXPECT_GT(reg().list()->front().last_used_at, 5);
}

TEST_F(PrefixRegistryTest, FunctionRowsKeepEveryColumnApart) {
  // The extension's name differs from its expansion, so no column can stand in for another.
  ASSERT_TRUE(reg().add("fx", "org.example.alpha").ok());
  ASSERT_TRUE(reg().record(PrefixFunction{"org.example.alpha", "hello", "fx_alpha", 2, 0}).ok());
  Result<std::vector<PrefixFunction>> rows = reg().functions("fx");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].expansion, "org.example.alpha");
  EXPECT_EQ((*rows)[0].function_name, "hello");
  EXPECT_EQ((*rows)[0].extension_name, "fx_alpha");
  EXPECT_EQ((*rows)[0].n_args, 2);
}

TEST_F(PrefixRegistryTest, PinsKeepEveryColumnApart) {
  ASSERT_TRUE(reg().add("fx", "org.example.alpha").ok());
  ASSERT_TRUE(reg().record(PrefixFunction{"org.example.alpha", "hello", "fx_alpha", 2, 0}).ok());
  ASSERT_TRUE(reg().prefer("hello", "fx_alpha").ok());
  Result<std::vector<Pin>> pins = reg().pins();
  ASSERT_TRUE(pins.ok());
  ASSERT_EQ(pins->size(), 1u);
  EXPECT_EQ((*pins)[0].function_name, "hello");
  EXPECT_EQ((*pins)[0].n_args, 2);
  EXPECT_EQ((*pins)[0].expansion, "org.example.alpha");
  EXPECT_GT((*pins)[0].set_at, 0);
}

TEST_F(PrefixRegistryTest, PreferringAnExtensionNameOfSeveralExpansionsIsAmbiguous) {
  ASSERT_TRUE(reg().add("fx", "org.example.alpha").ok());
  ASSERT_TRUE(reg().add("gx", "org.example.beta").ok());
  ASSERT_TRUE(reg().record(PrefixFunction{"org.example.alpha", "hello", "same", 0, 0}).ok());
  ASSERT_TRUE(reg().record(PrefixFunction{"org.example.beta", "hello", "same", 0, 0}).ok());
  Result<std::vector<Pin>> pins = reg().prefer("hello", "same");
  EXPECT_TRUE(FailsWith(pins, Errc::ambiguous, "same"));
  EXPECT_TRUE(reg().pins()->empty());
}

TEST_F(PrefixRegistryTest, BindTriesEveryNumberedFormUpToTheLastAndThenConflicts) {
  // "fx", then "fx2" .. "fx998" taken, by rows written directly.
  exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 998) "
       "INSERT INTO __sqlink_prefix(name, expansion, created_at, last_used_at) "
       "SELECT CASE i WHEN 1 THEN 'fx' ELSE 'fx' || i END, 'org.taken.' || i, 1, 1 FROM n");
  Result<BoundPrefix> last = reg().bind("fx", "org.example.last");
  ASSERT_TRUE(last.ok()) << last.error().message;
  EXPECT_EQ(last->name, "fx" + std::to_string(kMaxNameAttempts));
  EXPECT_TRUE(last->numbered);
  EXPECT_TRUE(FailsWith(reg().bind("fx", "org.example.none"), Errc::conflict, "fx"));
  EXPECT_FALSE(reg().expansion("fx" + std::to_string(kMaxNameAttempts + 1)).ok());
}

TEST_F(PrefixRegistryTest, AnExpansionOfExactlyTheLimitIsAccepted) {
  const std::string longest(limits::kMaxNameBytes, 'e');
  EXPECT_TRUE(reg().add("fx", longest).ok());
  EXPECT_TRUE(FailsWith(reg().add("gx", longest + "e"), Errc::too_long, longest + "e"));
}

TEST_F(PrefixRegistryTest, VerifyIgnoresANameThatIsOnlyThePrefixAndSeparator) {
  ASSERT_TRUE(reg().add("fx", "org.example.alpha").ok());
  // "fx__" names no function under fx: it is not an unrecorded name of it.
  ASSERT_EQ(sqlite3_create_function(db_, "fx__", 0, SQLITE_UTF8, nullptr, noop, nullptr, nullptr),
            SQLITE_OK);
  Result<PrefixVerifyReport> report = reg().verify();
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_TRUE(report->issues.empty());
}

TEST_F(PrefixRegistryTest, VerifyNamesTheLongestPrefixOfAnUnrecordedName) {
  // Written behind the registry's back: "a__b" is no valid prefix, but both it and "a"
  // then start "a__b__x"; the longer one owns it.
  exec("INSERT INTO __sqlink_prefix(name, expansion, created_at, last_used_at) VALUES "
       "('a', 'org.short', 1, 1), ('a__b', 'org.long', 1, 1)");
  ASSERT_EQ(sqlite3_create_function(db_, "a__b__x", 0, SQLITE_UTF8, nullptr, noop, nullptr, nullptr),
            SQLITE_OK);
  Result<PrefixVerifyReport> report = reg().verify();
  ASSERT_TRUE(report.ok()) << report.error().message;
  const std::vector<VerifyIssue> expected = {
      {VerifyIssue::Kind::unrecorded, "a__b__x", 0, "org.long"}};
  EXPECT_EQ(report->issues, expected);
}

TEST_F(PrefixRegistryTest, ADanglingPinKeepsItsArity) {
  ASSERT_TRUE(reg().add("fx", "org.example.alpha").ok());
  exec("INSERT INTO __sqlink_prefix_pin VALUES ('gone', 3, 'org.example.alpha', 0)");
  Result<PrefixVerifyReport> report = reg().verify();
  ASSERT_TRUE(report.ok()) << report.error().message;
  const std::vector<VerifyIssue> expected = {
      {VerifyIssue::Kind::dangling_pin, "gone", 3, "org.example.alpha"}};
  EXPECT_EQ(report->issues, expected);
}

TEST_F(PrefixRegistryTest, TheRegistryKeepsItsConnection) { EXPECT_EQ(reg().db(), db_); }

TEST(PrefixRegistryOpen, AnInMemoryDatabaseIsNamedSoInAFailure) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(":memory:", &db), SQLITE_OK);
  // An index already holds the table's name, so the schema cannot be created.
  ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE t(x); CREATE INDEX __sqlink_prefix ON t(x)", nullptr,
                         nullptr, nullptr),
            SQLITE_OK);
  Result<PrefixRegistry> opened = PrefixRegistry::open(db);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, Errc::database_error);
  EXPECT_EQ(opened.error().input, ":memory:");
  EXPECT_NE(opened.error().message.find("':memory:'"), std::string::npos) << opened.error().message;
  // Failing again and again costs nothing: SQLite's error text is freed each time.
  const auto before = sqlite3_memory_used();
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(PrefixRegistry::open(db).ok());
  EXPECT_EQ(sqlite3_memory_used(), before);
  sqlite3_close(db);
}

TEST_F(PrefixRegistryTest, SavepointNamesMustBeIdentifiers) {
  EXPECT_TRUE(FailsWith(reg().begin("x\"; DROP TABLE t; --"), Errc::invalid_value,
                        "x\"; DROP TABLE t; --"));
  ASSERT_TRUE(reg().begin("outer_sp").ok());
  ASSERT_TRUE(reg().add("fx", "org.example.alpha").ok());
  reg().rollback("outer_sp");
  EXPECT_TRUE(reg().list()->empty());
}

}  // namespace
}  // namespace sqlink
