// Schema migrations, one arm per version step, declared in a table. New tables and indexes are
// created from the committed snapshot of the arm's target version, never from a second copy.
#include "cas/migrate.hpp"

#include <charconv>
#include <string>

#include "cas/schema.hpp"
#include "sqlink/cas.hpp"

namespace sqlink::cas_detail {
namespace {

// Creates each named object exactly as the snapshot of `version` spells it.
Result<void> create_from_snapshot(Connection& db, int version,
                                  std::initializer_list<std::string_view> names) {
  for (const auto name : names) {
    const std::string sql = snapshot_sql(version, name);
    if (sql.empty()) {
      return Error::make(Errc::internal, "schema snapshot v" + std::to_string(version) +
                                             " has no object " + quoted(name));
    }
    if (auto r = db.exec(sql.c_str(), "cannot create " + quoted(name)); !r.ok()) return r;
  }
  return {};
}

Result<void> exec_all(Connection& db, std::initializer_list<const char*> statements,
                      std::string_view doing) {
  for (const char* sql : statements) {
    if (auto r = db.exec(sql, doing); !r.ok()) return r;
  }
  return {};
}

// v1 kept artifacts by rowid, one row per fetch, never hashed. v2 hashes each row and keeps
// one row per content (the oldest), moving URIs and use counts onto it.
Result<void> arm_v1_to_v2(Connection& db) {
  auto r = exec_all(
      db,
      {"DELETE FROM __cas_uri WHERE artifact_id NOT IN (SELECT id FROM __cas_artifact)",
       "ALTER TABLE __cas_artifact ADD COLUMN sha256 BLOB",
       "UPDATE __cas_artifact SET sha256 = sqlink_sha256(bytes)",
       "CREATE TEMP TABLE __cas_keep AS SELECT sha256, min(id) AS id,"
       " min(created_at) AS created_at,"
       " max(last_used_at) AS last_used_at, sum(use_count) AS use_count"
       " FROM __cas_artifact GROUP BY sha256",
       "UPDATE __cas_artifact SET created_at = k.created_at, last_used_at = k.last_used_at,"
       " use_count = k.use_count FROM temp.__cas_keep AS k WHERE k.id = __cas_artifact.id",
       "UPDATE __cas_uri SET artifact_id = (SELECT k.id FROM temp.__cas_keep AS k"
       " JOIN __cas_artifact AS a ON a.sha256 = k.sha256 WHERE a.id = __cas_uri.artifact_id)",
       "DELETE FROM __cas_artifact WHERE id NOT IN (SELECT id FROM temp.__cas_keep)",
       "DROP TABLE temp.__cas_keep"},
      "cannot hash the v1 artifacts");
  if (!r.ok()) return r;
  return create_from_snapshot(db, 2, {"__cas_artifact_sha256"});
}

// v3 makes the hash the artifact's key (bundle members name artifacts by content hash) and
// adds the bundle tables. Old tables are renamed away, the new ones created, rows copied.
Result<void> arm_v2_to_v3(Connection& db) {
  if (auto r = exec_all(
          db,
          {"DROP INDEX __cas_artifact_sha256", "ALTER TABLE __cas_uri RENAME TO __cas_uri_v2",
           "ALTER TABLE __cas_artifact RENAME TO __cas_artifact_v2"},
          "cannot set the v2 tables aside");
      !r.ok()) {
    return r;
  }
  if (auto r = create_from_snapshot(db, 3,
                                    {"__cas_artifact", "__cas_uri", "__cas_bundle",
                                     "__cas_bundle_member", "__cas_bundle_binary", "__cas_uri_hash",
                                     "__cas_bundle_set_hash", "__cas_bundle_member_content"});
      !r.ok()) {
    return r;
  }
  return exec_all(
      db,
      {"INSERT INTO __cas_artifact(hash, bytes, bytes_len, created_at, last_used_at, use_count)"
       " SELECT coalesce(sha256, sqlink_sha256(bytes)), bytes, bytes_len, created_at,"
       " last_used_at, use_count FROM __cas_artifact_v2",
       "INSERT INTO __cas_uri(uri, hash, fetched_at, last_used_at)"
       " SELECT u.uri, coalesce(a.sha256, sqlink_sha256(a.bytes)), u.fetched_at, u.last_used_at"
       " FROM __cas_uri_v2 AS u JOIN __cas_artifact_v2 AS a ON a.id = u.artifact_id",
       "DROP TABLE __cas_uri_v2", "DROP TABLE __cas_artifact_v2"},
      "cannot copy the v2 artifacts");
}

// v4 lets one set carry many names: names move to __cas_bundle_alias, __cas_bundle loses
// UNIQUE(name) and keeps one row per set_hash (v3 could hold the same set under two names).
Result<void> arm_v3_to_v4(Connection& db) {
  if (auto r =
          exec_all(db,
                   {"DROP INDEX __cas_bundle_set_hash", "DROP INDEX __cas_bundle_member_content",
                    "ALTER TABLE __cas_bundle_member RENAME TO __cas_bundle_member_v3",
                    "ALTER TABLE __cas_bundle_binary RENAME TO __cas_bundle_binary_v3",
                    "ALTER TABLE __cas_bundle RENAME TO __cas_bundle_v3"},
                   "cannot set the v3 bundle tables aside");
      !r.ok()) {
    return r;
  }
  if (auto r = create_from_snapshot(
          db, 4,
          {"__cas_bundle", "__cas_bundle_member", "__cas_bundle_binary", "__cas_bundle_alias",
           "__cas_bundle_set_hash", "__cas_bundle_member_content", "__cas_bundle_alias_bundle"});
      !r.ok()) {
    return r;
  }
  return exec_all(
      db,
      {"CREATE TEMP TABLE __cas_keep AS SELECT set_hash, min(id) AS id,"
       " min(created_at) AS created_at, max(last_used_at) AS last_used_at"
       " FROM __cas_bundle_v3 GROUP BY set_hash",
       "INSERT INTO __cas_bundle(id, name, set_hash, created_at, last_used_at)"
       " SELECT k.id, b.name, k.set_hash, k.created_at, k.last_used_at"
       " FROM temp.__cas_keep AS k JOIN __cas_bundle_v3 AS b ON b.id = k.id",
       "INSERT INTO __cas_bundle_alias(name, bundle_id, created_at)"
       " SELECT b.name, k.id, b.created_at FROM __cas_bundle_v3 AS b"
       " JOIN temp.__cas_keep AS k ON k.set_hash = b.set_hash",
       "INSERT INTO __cas_bundle_member(bundle_id, extension_name, content_hash)"
       " SELECT m.bundle_id, m.extension_name, m.content_hash FROM __cas_bundle_member_v3 AS m"
       " JOIN temp.__cas_keep AS k ON k.id = m.bundle_id",
       // The newest binary per (set, triple) wins when duplicates of a set each had one.
       "INSERT OR IGNORE INTO __cas_bundle_binary(bundle_id, target_triple, binary_path, built_at)"
       " SELECT k.id, x.target_triple, x.binary_path, x.built_at FROM __cas_bundle_binary_v3 AS x"
       " JOIN __cas_bundle_v3 AS b ON b.id = x.bundle_id"
       " JOIN temp.__cas_keep AS k ON k.set_hash = b.set_hash ORDER BY x.built_at DESC",
       "DROP TABLE temp.__cas_keep", "DROP TABLE __cas_bundle_member_v3",
       "DROP TABLE __cas_bundle_binary_v3", "DROP TABLE __cas_bundle_v3"},
      "cannot copy the v3 bundles");
}

struct Arm {
  int from;  // the arm leaves the database at from + 1
  Result<void> (*apply)(Connection&);
};

constexpr Arm kArms[] = {
    {1, arm_v1_to_v2},
    {2, arm_v2_to_v3},
    {3, arm_v3_to_v4},
};

const Arm* arm_from(int version) {
  for (const auto& arm : kArms) {
    if (arm.from == version) return &arm;
  }
  return nullptr;
}

Result<void> create_fresh(Connection& db) {
  const std::string snapshot(schema_snapshot(kCasSchemaVersion));
  return db.exec(snapshot.c_str(), "cannot create the cache schema");
}

Result<void> store_version(Connection& db, int version) {
  auto stmt = db.prepare(
      "INSERT INTO __cas_meta(key, value) VALUES('schema_version', ?1)"
      " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
      "cannot record the schema version");
  if (!stmt.ok()) return std::move(stmt).error();
  stmt->bind_text(1, std::to_string(version));
  return stmt->run("cannot record the schema version");
}

// Rows left pointing at nothing would mean an arm lost data; refuse to commit that.
Result<void> check_foreign_keys(Connection& db, std::string_view shown) {
  auto stmt = db.prepare("PRAGMA foreign_key_check", "cannot check foreign keys");
  if (!stmt.ok()) return std::move(stmt).error();
  auto row = stmt->step("cannot check foreign keys");
  if (!row.ok()) return std::move(row).error();
  if (*row) {
    return Error::make(Errc::corrupt, std::string(shown) + ": migration left a row in " +
                                          quoted(stmt->text(0)) + " pointing at a missing " +
                                          quoted(stmt->text(2)));
  }
  return {};
}

// Foreign keys are off while arms rebuild tables (a DROP of a parent would cascade) and come
// back on afterwards whatever happened; PRAGMA foreign_keys is a no-op inside a transaction.
class ForeignKeysOff {
 public:
  explicit ForeignKeysOff(Connection& db) : db_(db) {
    sqlite3_exec(db_.get(), "PRAGMA foreign_keys = OFF", nullptr, nullptr, nullptr);
  }
  ~ForeignKeysOff() {
    sqlite3_exec(db_.get(), "PRAGMA foreign_keys = ON", nullptr, nullptr, nullptr);
  }
  ForeignKeysOff(const ForeignKeysOff&) = delete;
  ForeignKeysOff& operator=(const ForeignKeysOff&) = delete;

 private:
  Connection& db_;
};

// One step in one transaction. `only_from` >= 0 restricts it to that arm (tests).
Result<int> step_once(Connection& db, std::string_view shown, int only_from) {
  ForeignKeysOff fk_off(db);
  auto txn = WriteTxn::begin(db, std::string(shown) + ": cannot start the migration");
  if (!txn.ok()) return std::move(txn).error();
  auto version = read_schema_version(db, shown);
  if (!version.ok()) return std::move(version).error();
  const int from = *version;
  if (from == kCasSchemaVersion && only_from < 0) return from;  // nothing to do; rolls back
  if (from > kCasSchemaVersion) return schema_too_new_error(shown, from);
  if (only_from >= 0 && from != only_from) {
    return Error::make(Errc::invalid_value, std::string(shown) + " is at version " +
                                                std::to_string(from) + ", not " +
                                                std::to_string(only_from));
  }
  int to = kCasSchemaVersion;
  if (from == 0) {
    if (auto r = create_fresh(db); !r.ok()) return r.error();
  } else {
    const Arm* arm = arm_from(from);
    if (arm == nullptr) {
      return Error::make(Errc::corrupt, std::string(shown) + " has unknown schema version " +
                                            std::to_string(from));
    }
    if (auto r = arm->apply(db); !r.ok()) return r.error();
    to = from + 1;
  }
  if (auto r = store_version(db, to); !r.ok()) return r.error();
  if (auto r = check_foreign_keys(db, shown); !r.ok()) return r.error();
  if (auto r = txn->commit(std::string(shown) + ": cannot commit the migration"); !r.ok()) {
    return r.error();
  }
  return to;
}

}  // namespace

Error schema_too_new_error(std::string_view shown, int version) {
  return Error::make(Errc::schema_too_new,
                     std::string(shown) + " has schema version " + std::to_string(version) +
                         "; this sqlink understands up to " + std::to_string(kCasSchemaVersion) +
                         " and leaves it untouched",
                     {}, "upgrade sqlink, or use --cache-dir to pick another cache");
}

Result<int> read_schema_version(Connection& db, std::string_view shown) {
  auto stmt = db.prepare(
      "SELECT (SELECT count(*) FROM sqlite_schema),"
      " (SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = '__cas_meta')",
      "cannot read the schema");
  if (!stmt.ok()) return std::move(stmt).error();
  auto row = stmt->step(std::string(shown) + ": cannot read the schema");
  if (!row.ok()) return std::move(row).error();
  if (stmt->int64(0) == 0) return 0;
  if (stmt->int64(1) == 0) {
    return Error::make(
        Errc::corrupt,
        std::string(shown) + " is a SQLite database but not a sqlink cache (no __cas_meta table)");
  }
  auto get = db.prepare("SELECT value FROM __cas_meta WHERE key = 'schema_version'",
                        "cannot read the schema version");
  if (!get.ok()) return std::move(get).error();
  auto found = get->step(std::string(shown) + ": cannot read the schema version");
  if (!found.ok()) return std::move(found).error();
  const std::string text = *found ? std::string(get->text(0)) : std::string();
  // mutate: next-line lit.int.one: from_chars sets version whenever ec is clear, and a set ec is
  // refused by the test below, so the initial value is never read
  int version = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), version);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || version < 1) {
    return Error::make(Errc::corrupt,
                       std::string(shown) + " has no valid schema_version in __cas_meta", text);
  }
  return version;
}

Result<int> migrate(Connection& db, std::string_view shown) {
  if (auto r = register_sha256_function(db); !r.ok()) return r.error();
  for (;;) {
    // The common case, a current file, needs no write lock: a plain read decides.
    auto version = read_schema_version(db, shown);
    if (!version.ok()) return version;
    if (*version == kCasSchemaVersion) return *version;
    // mutate: next-line rel.gt.ge: the line above has already returned when *version ==
    // kCasSchemaVersion
    if (*version > kCasSchemaVersion) return schema_too_new_error(shown, *version);
    auto reached = step_once(db, shown, -1);
    if (!reached.ok()) return reached;
    if (*reached == kCasSchemaVersion) return *reached;
  }
}

Result<void> migrate_one(Connection& db, int from, std::string_view shown) {
  if (auto r = register_sha256_function(db); !r.ok()) return r;
  auto reached = step_once(db, shown, from);
  if (!reached.ok()) return std::move(reached).error();
  return {};
}

}  // namespace sqlink::cas_detail
