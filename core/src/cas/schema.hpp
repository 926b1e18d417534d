// The store's schema as data: the committed snapshot of every version (schema/v1.sql ...
// v4.sql, compiled in), and the same normalised form read back from a live connection.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cas/sqlite.hpp"
#include "sqlink/error.hpp"

namespace sqlink::cas_detail {

inline constexpr int kOldestSchemaVersion = 1;

// One schema object as sqlite_schema stores it, its SQL normalised by normalize_sql().
struct SchemaObject {
  std::string type;  // "table", "index", "trigger", "view"
  std::string name;
  std::string sql;
  friend bool operator==(const SchemaObject&, const SchemaObject&) = default;
};

// The snapshot text of a version, kOldestSchemaVersion..kCasSchemaVersion; empty otherwise.
// Generated from schema/vN.sql by sources.cmake (schema_snapshots.cpp).
std::string_view schema_snapshot(int version);

// Whitespace runs outside quotes become one space; leading and trailing space goes.
std::string normalize_sql(std::string_view sql);

// A snapshot's text back into objects (one "CREATE ...;" per line).
std::vector<SchemaObject> parse_snapshot(std::string_view text);
// Tables, then indexes, triggers and views, each group by name: one "sql;\n" per object.
std::string format_snapshot(std::vector<SchemaObject> objects);

// The live schema of the main database, without SQLite's own sqlite_* objects.
Result<std::vector<SchemaObject>> live_schema(Connection& db);

// The CREATE statement of `name` in a version's snapshot; empty when it has none.
std::string snapshot_sql(int version, std::string_view name);

}  // namespace sqlink::cas_detail
