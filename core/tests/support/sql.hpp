// Test support: one-value SQL queries against a live connection, for asserting on results.
#pragma once

#include <sqlite3.h>

#include <string>

namespace sqlink::testing {

// The first column of the first row as text, "NULL", "<none>", or "ERROR: message".
inline std::string scalar(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
    return std::string("ERROR: ") + sqlite3_errmsg(db);
  }
  std::string out = "<none>";
  const int rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW) {
    const auto* text = sqlite3_column_text(stmt, 0);
    out = text ? reinterpret_cast<const char*>(text) : "NULL";
  } else if (rc != SQLITE_DONE) {
    out = std::string("ERROR: ") + sqlite3_errmsg(db);
  }
  sqlite3_finalize(stmt);
  return out;
}

}  // namespace sqlink::testing
