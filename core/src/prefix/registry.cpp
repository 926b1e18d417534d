// Opening the prefix registry: its schema (created if missing), the statement cache, and
// the helpers every registry file shares. One connection, one registry; nothing is global.
#include <sqlite3.h>

#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "prefix/internal.hpp"
#include "sqlink/prefix.hpp"

namespace sqlink {
namespace {

// The tables of core.md. NOCASE because SQLite resolves these names without regard to
// ASCII case; the UNIQUE expansion is the rule that an expansion has one prefix at most.
constexpr std::array<const char*, 3> kSchema = {
    "CREATE TABLE IF NOT EXISTS __sqlink_prefix("
    "name TEXT PRIMARY KEY COLLATE NOCASE, expansion TEXT NOT NULL UNIQUE, description TEXT, "
    "created_at INTEGER NOT NULL, last_used_at INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS __sqlink_prefix_function("
    "expansion TEXT NOT NULL, function_name TEXT NOT NULL COLLATE NOCASE, "
    "extension_name TEXT NOT NULL, n_args INTEGER NOT NULL, registered_at INTEGER NOT NULL, "
    "PRIMARY KEY(expansion, function_name, n_args)) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS __sqlink_prefix_pin("
    "function_name TEXT NOT NULL COLLATE NOCASE, n_args INTEGER NOT NULL, "
    "expansion TEXT NOT NULL, set_at INTEGER NOT NULL, "
    "PRIMARY KEY(function_name, n_args)) WITHOUT ROWID",
};

// Per kind, the introspection pragma that lists what the connection really has.
struct LiveList {
  NameKind kind;
  const char* sql;
};
constexpr std::array kLiveLists = {
    LiveList{NameKind::function, "SELECT name, narg FROM pragma_function_list"},
    LiveList{NameKind::collation, "SELECT name, -2 FROM pragma_collation_list"},
    LiveList{NameKind::module, "SELECT name, -3 FROM pragma_module_list"},
};

}  // namespace

PrefixRegistry::Impl::~Impl() {
  for (auto& [sql, stmt] : statements) sqlite3_finalize(stmt);
}

Error PrefixRegistry::Impl::db_error(std::string_view what, std::string_view input) const {
  const char* message = db ? sqlite3_errmsg(db) : "no database connection";
  return Error::make(Errc::database_error,
                     std::string(what) + " " + quoted(input) + ": " + sanitize(message), input);
}

Result<sqlite3_stmt*> PrefixRegistry::Impl::prepare(const char* sql, std::string_view input) {
  if (auto found = statements.find(sql); found != statements.end()) return found->second;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return db_error("cannot prepare the prefix registry's query for", input);
  }
  statements.emplace(sql, stmt);
  return stmt;
}

Result<void> PrefixRegistry::Impl::exec(const std::string& sql, std::string_view input) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    Error error = Error::make(Errc::database_error,
                              "prefix registry update failed for " + quoted(input) + ": " +
                                  sanitize(message ? message : sqlite3_errmsg(db)),
                              input);
    sqlite3_free(message);
    return error;
  }
  return {};
}

Result<std::vector<std::pair<std::string, int>>> PrefixRegistry::Impl::live_names(
    NameKind kind) const {
  const char* sql = nullptr;
  for (const LiveList& list : kLiveLists) {
    if (list.kind == kind) sql = list.sql;
  }
  // Not cached: pragma virtual tables are cheap, and a cached one would pin a schema read.
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &raw, nullptr) != SQLITE_OK) {
    sqlite3_finalize(raw);
    return db_error("cannot list the registered", name_kind_noun(kind));
  }
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> stmt(raw, sqlite3_finalize);
  std::vector<std::pair<std::string, int>> names;
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
    const auto* name = reinterpret_cast<const char*>(sqlite3_column_text(stmt.get(), 0));
    names.emplace_back(prefix_detail::ascii_lower(name ? name : ""),
                       sqlite3_column_int(stmt.get(), 1));
  }
  if (rc != SQLITE_DONE) return db_error("cannot list the registered", name_kind_noun(kind));
  return names;
}

Result<bool> PrefixRegistry::Impl::is_builtin_function(std::string_view name) const {
  sqlite3_stmt* raw = nullptr;
  const char* sql = "SELECT 1 FROM pragma_function_list WHERE builtin AND name = lower(?1)";
  if (sqlite3_prepare_v2(db, sql, -1, &raw, nullptr) != SQLITE_OK) {
    sqlite3_finalize(raw);
    return db_error("cannot look up function", name);
  }
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> stmt(raw, sqlite3_finalize);
  sqlite3_bind_text(stmt.get(), 1, name.data(), static_cast<int>(name.size()), SQLITE_TRANSIENT);
  const int rc = sqlite3_step(stmt.get());
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return db_error("cannot look up function", name);
  return rc == SQLITE_ROW;
}

PrefixRegistry::PrefixRegistry(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PrefixRegistry::PrefixRegistry(PrefixRegistry&&) noexcept = default;
PrefixRegistry& PrefixRegistry::operator=(PrefixRegistry&&) noexcept = default;
PrefixRegistry::~PrefixRegistry() = default;

Result<PrefixRegistry> PrefixRegistry::open(sqlite3* db, LiveBindings* live) {
  if (db == nullptr) {
    return Error::make(Errc::invalid_value, "prefix registry needs a database connection, got " +
                                                quoted("null"));
  }
  auto impl = std::make_unique<Impl>();
  impl->db = db;
  impl->live = live;
  const char* file = sqlite3_db_filename(db, "main");
  const std::string where = file && *file ? file : ":memory:";
  Result<void> created = impl->in_savepoint(where, [&]() -> Result<void> {
    for (const char* sql : kSchema) {
      if (auto done = impl->exec(sql, where); !done) return done;
    }
    return {};
  });
  if (!created) return created.error();
  return PrefixRegistry(std::move(impl));
}

sqlite3* PrefixRegistry::db() const noexcept { return impl_->db; }
void PrefixRegistry::set_live(LiveBindings* live) noexcept { impl_->live = live; }

// Savepoint names are spliced into SQL, so only identifiers are accepted.
Result<void> PrefixRegistry::begin(std::string_view savepoint) {
  if (!is_prefix_identifier(savepoint)) {
    return Error::make(Errc::invalid_value,
                       "savepoint name " + quoted(savepoint) + " must be an identifier", savepoint);
  }
  return impl_->exec("SAVEPOINT \"" + std::string(savepoint) + "\"", savepoint);
}

Result<void> PrefixRegistry::commit(std::string_view savepoint) {
  if (!is_prefix_identifier(savepoint)) {
    return Error::make(Errc::invalid_value,
                       "savepoint name " + quoted(savepoint) + " must be an identifier", savepoint);
  }
  return impl_->exec("RELEASE \"" + std::string(savepoint) + "\"", savepoint);
}

void PrefixRegistry::rollback(std::string_view savepoint) noexcept {
  if (!is_prefix_identifier(savepoint)) return;
  const std::string name(savepoint);
  sqlite3_exec(impl_->db, ("ROLLBACK TO \"" + name + "\"").c_str(), nullptr, nullptr, nullptr);
  sqlite3_exec(impl_->db, ("RELEASE \"" + name + "\"").c_str(), nullptr, nullptr, nullptr);
}

}  // namespace sqlink
