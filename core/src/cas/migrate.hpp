// Bringing a store file to kCasSchemaVersion: read its version, then run one arm per version
// step, each in its own BEGIN IMMEDIATE transaction, so a crash leaves a whole version behind.
#pragma once

#include <string_view>

#include "cas/sqlite.hpp"
#include "sqlink/error.hpp"

namespace sqlink::cas_detail {

// 0 for an empty database; the stored schema_version otherwise. A database with tables but no
// __cas_meta, or an unreadable version, is corrupt (it is not a sqlink cache).
Result<int> read_schema_version(Connection& db, std::string_view shown);

// Creates the schema of an empty database, or runs every arm from its version up. Refuses a
// newer version with schema_too_new. Safe against other processes migrating at the same time:
// each arm re-reads the version once it holds the write lock. Returns the final version.
Result<int> migrate(Connection& db, std::string_view shown);

// The refusal of a file written by a newer sqlink.
Error schema_too_new_error(std::string_view shown, int version);

// Runs only the arm that starts at `from` (tests replay arms one at a time).
Result<void> migrate_one(Connection& db, int from, std::string_view shown);

}  // namespace sqlink::cas_detail
