// Private to the prefix module: the registry's state (connection, statement cache, live
// bindings) and the small SQLite helpers its files share. Statements are prepared once and
// reset after every use, never left half-stepped.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <ctime>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "sqlink/error.hpp"
#include "sqlink/prefix.hpp"

namespace sqlink::prefix_detail {

inline std::int64_t now_seconds() noexcept { return static_cast<std::int64_t>(std::time(nullptr)); }

// ASCII lower case: SQLite folds function, collation and module names this way.
std::string ascii_lower(std::string_view text);

// The statement of one call: bound, stepped, and reset (bindings cleared) when it goes away.
class Use {
 public:
  explicit Use(sqlite3_stmt* stmt) noexcept : stmt_(stmt) {}
  Use(const Use&) = delete;
  Use& operator=(const Use&) = delete;
  ~Use() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  Use& text(int index, std::string_view value) {
    sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Use& integer(int index, std::int64_t value) {
    sqlite3_bind_int64(stmt_, index, value);
    return *this;
  }
  Use& null(int index) {
    sqlite3_bind_null(stmt_, index);
    return *this;
  }
  int step() noexcept { return sqlite3_step(stmt_); }
  std::string column_text(int index) const {
    const auto* text = sqlite3_column_text(stmt_, index);
    return text ? std::string(reinterpret_cast<const char*>(text),
                              static_cast<std::size_t>(sqlite3_column_bytes(stmt_, index)))
                : std::string();
  }
  std::optional<std::string> column_optional_text(int index) const {
    if (sqlite3_column_type(stmt_, index) == SQLITE_NULL) return std::nullopt;
    return column_text(index);
  }
  std::int64_t column_int(int index) const { return sqlite3_column_int64(stmt_, index); }

 private:
  sqlite3_stmt* stmt_;
};

}  // namespace sqlink::prefix_detail

namespace sqlink {

struct PrefixRegistry::Impl {
  sqlite3* db = nullptr;
  LiveBindings* live = nullptr;
  // Keyed by the SQL text's address: every statement is a string literal of the module.
  std::unordered_map<const char*, sqlite3_stmt*> statements;

  ~Impl();
  // The cached statement for `sql`, prepared on first use.
  Result<sqlite3_stmt*> prepare(const char* sql, std::string_view input);
  // database_error naming `input`, with SQLite's message for the connection.
  Error db_error(std::string_view what, std::string_view input) const;
  // Runs SQL without results (schema, savepoints).
  Result<void> exec(const std::string& sql, std::string_view input);
  // Wraps a change in a savepoint; `change` returns Result<void>.
  template <class F>
  Result<void> in_savepoint(std::string_view input, F&& change);
  // pragma function_list / collation_list / module_list names, lower-cased; functions carry
  // "name/narg" entries too, so arities can be checked.
  Result<std::vector<std::pair<std::string, int>>> live_names(NameKind kind) const;
  Result<bool> is_builtin_function(std::string_view name) const;
};

template <class F>
Result<void> PrefixRegistry::Impl::in_savepoint(std::string_view input, F&& change) {
  if (auto begun = exec("SAVEPOINT sqlink_prefix", input); !begun) return begun;
  Result<void> done = change();
  if (!done) {
    (void)exec("ROLLBACK TO sqlink_prefix", input);
    (void)exec("RELEASE sqlink_prefix", input);
    return done;
  }
  return exec("RELEASE sqlink_prefix", input);
}

}  // namespace sqlink

namespace sqlink::prefix_detail {

// Shared by the registry's files (defined in bindings.cpp).
Result<std::optional<PrefixInfo>> find_prefix(PrefixRegistry::Impl& impl, std::string_view name);
Result<std::optional<std::string>> find_prefix_of(PrefixRegistry::Impl& impl,
                                                  std::string_view expansion);
// Runs a cached statement binding `texts` as ?1, ?2, ... and expects no rows.
Result<void> run(PrefixRegistry::Impl& impl, const char* sql, std::string_view input,
                 std::initializer_list<std::string_view> texts);

}  // namespace sqlink::prefix_detail
