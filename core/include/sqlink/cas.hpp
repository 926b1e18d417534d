// The content-addressed store (CAS): extension bytes keyed by their SHA-256, in one SQLite file.
// Every read re-hashes what it returns; nothing a bundle member references is ever removed.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sqlink/error.hpp"
#include "sqlink/hash.hpp"

namespace sqlink {

// The schema version this code writes. A file with a higher version is refused, untouched.
inline constexpr int kCasSchemaVersion = 4;

// Where the cache file lives: --cache-dir DIR (file DIR/cas.sqlite) > $SQLINK_CACHE_DIR (a
// directory, same file name) > $XDG_CACHE_HOME/sqlink/cas.sqlite (XDG_CACHE_HOME must be
// absolute, as the XDG spec says) > $HOME/.cache/sqlink/cas.sqlite. Empty variables count as
// unset. Nothing set at all is not_found.
Result<std::string> cache_file_path(const std::optional<std::string>& cache_dir_flag);

// `sha256:<64 hex>` or `digest:<64 hex>`, scheme and hex in either case. Anything else is
// invalid_value naming the input.
Result<Hash> parse_hash_uri(std::string_view uri);

struct CasOptions {
  // Prepared statements are kept and sqlite3_reset() per call. false re-prepares on every call;
  // it exists only so a benchmark can measure what the cache saves.
  bool cache_statements = true;
  // How long a call waits for another process's write lock before failing with Errc::timeout.
  std::chrono::milliseconds busy_timeout{10000};
  // Opens with SQLITE_OPEN_READONLY: reads work, writes fail with permission_denied, use
  // counts are not recorded. A file on an old schema cannot be migrated and is unsupported.
  bool read_only = false;
  // Cache hits are counted in memory and written in one transaction every this many hits (an
  // attempt that gives up at once if another process holds the write lock; the counts are kept
  // for the next one), on flush() and when the store closes. A hit never waits for a lock.
  std::uint32_t flush_every_hits = 64;
  // Unix seconds. Empty means the system clock; tests inject a fake one.
  std::function<std::int64_t()> clock;
};

struct ArtifactInfo {
  Hash hash;
  std::uint64_t size = 0;
  std::int64_t created_at = 0;    // unix seconds
  std::int64_t last_used_at = 0;  // includes hits not yet flushed
  std::uint64_t use_count = 0;    // includes hits not yet flushed
};

struct CasStats {
  int schema_version = 0;
  std::uint64_t artifacts = 0;
  std::uint64_t artifact_bytes = 0;  // sum of artifact sizes
  std::uint64_t uris = 0;
  std::uint64_t bundles = 0;
  std::uint64_t aliases = 0;
  std::uint64_t members = 0;
  std::uint64_t binaries = 0;
  std::uint64_t file_bytes = 0;  // the database file itself
  std::uint64_t wal_bytes = 0;   // its -wal file, 0 when absent
};

struct GcReport {
  std::vector<Hash> removed;  // artifacts deleted, in hash order
  std::uint64_t bytes_removed = 0;
  std::uint64_t uris_removed = 0;
};

struct EvictReport {
  std::vector<Hash> removed;  // least recently used first
  std::uint64_t bytes_removed = 0;
  std::uint64_t uris_removed = 0;
  std::uint64_t bytes_remaining = 0;
  std::uint64_t pinned_bytes = 0;  // held by artifacts that bundle members reference
  bool cap_met = true;             // false when pinned artifacts alone exceed the cap
};

// One thing verify() or an import found wrong. `subject` is "artifact" or "bundle".
struct CasProblem {
  std::string subject;
  std::string hash_hex;  // the artifact hash, or the bundle's stored set_hash
  std::string reason;    // one line, e.g. "bytes hash to 5e88...; the row claims 9f86..."
  friend bool operator==(const CasProblem&, const CasProblem&) = default;
};

struct CasVerifyReport {
  std::uint64_t artifacts_checked = 0;
  std::uint64_t bundles_checked = 0;
  std::vector<CasProblem> problems;
  bool ok() const noexcept { return problems.empty(); }
};

// What import_from() / export_to() carried over. Rows already present count as present, so a
// second import of the same file adds nothing.
struct TransferReport {
  std::uint64_t artifacts_added = 0, artifacts_present = 0;
  std::uint64_t uris_added = 0;
  std::uint64_t bundles_added = 0, bundles_present = 0;
  std::uint64_t aliases_added = 0;
  std::uint64_t binaries_added = 0;
  std::vector<CasProblem> refused;  // corrupt source rows that were not carried over
};

struct SchemaDrift {
  enum class Kind { missing, extra, different };
  Kind kind = Kind::missing;
  std::string type;  // "table", "index", ...
  std::string name;
  std::string expected;  // the snapshot's SQL (empty for extra)
  std::string actual;    // the live SQL (empty for missing)
};
std::string_view drift_kind_name(SchemaDrift::Kind kind) noexcept;

struct DoctorReport {
  int schema_version = 0;  // 0 when the file has no __cas_meta
  std::vector<SchemaDrift> drift;
  std::vector<std::string> integrity;  // PRAGMA integrity_check rows; {"ok"} when healthy
  bool ok() const noexcept {
    return drift.empty() && integrity.size() == 1 && integrity.front() == "ok";
  }
};

// The normalised schema a version-4 store has: one statement per line, each ending in ';',
// tables first, then indexes, each group by name. Compiled in from core/src/cas/schema/v4.sql.
std::string_view cas_schema_snapshot();

// Compares a live file with cas_schema_snapshot() and runs integrity_check. Read-only: opens
// with SQLITE_OPEN_READONLY and, when no -wal file exists, as immutable, so the file, its
// mtime and its directory are left exactly as they were.
Result<DoctorReport> cas_doctor(const std::string& path);

namespace cas_detail {
struct Access;
}

// One open store. Move-only; not for concurrent use from several threads (open one per thread;
// several processes may share the file). Pending use counts are flushed by the destructor.
class CasStore {
 public:
  // Creates missing directories (0700) and the file, migrates older schemas, refuses newer
  // ones with Errc::schema_too_new without writing anything.
  static Result<CasStore> open(const std::string& path, CasOptions options = {});

  CasStore(CasStore&&) noexcept;
  CasStore& operator=(CasStore&&) noexcept;
  CasStore(const CasStore&) = delete;
  CasStore& operator=(const CasStore&) = delete;
  ~CasStore();

  const std::string& path() const;
  bool read_only() const;

  // Stores bytes under their SHA-256. Idempotent: storing known bytes only refreshes
  // last_used_at.
  Result<Hash> put(std::string_view bytes);
  // The bytes stored under `hash`, re-hashed before they are returned: a mismatch is
  // Errc::corrupt naming the hash, never the bytes. Unknown hashes are not_found.
  Result<std::string> get(const Hash& hash);
  Result<bool> contains(const Hash& hash);

  // Binds a URI (any text without control bytes) to a stored artifact; rebinding replaces.
  Result<void> bind_uri(std::string_view uri, const Hash& hash);
  // The artifact a URI was bound to; not_found when unbound.
  Result<Hash> lookup_uri(std::string_view uri);
  // A hash URI (sha256:/digest:) names its artifact directly; any other URI goes through
  // its binding. Either way the artifact must be stored, else not_found.
  Result<Hash> lookup(std::string_view uri);

  // Writes the use counts gathered by cache hits. A no-op for read-only stores.
  Result<void> flush();

  Result<std::vector<ArtifactInfo>> list();  // oldest first
  Result<CasStats> stats();
  // Removes every artifact no bundle member references, with the URIs bound to them.
  Result<GcReport> gc();
  // Removes unreferenced artifacts, least recently used first, until the artifacts total at
  // most max_bytes. Referenced artifacts stay even if the cap cannot be met (cap_met false).
  Result<EvictReport> evict(std::uint64_t max_bytes);
  // Writes a new store file at `path` (which must not exist) holding every verified artifact,
  // URI, bundle, member, binary and alias of this one.
  Result<TransferReport> export_to(const std::string& path);
  // Merges another store file into this one: artifacts (each re-hashed; corrupt ones are
  // refused and reported), URIs, bundles with members, binaries and aliases. Idempotent. A name
  // bound here to a different set_hash fails the whole import with Errc::conflict. The source
  // is never written; an older schema is migrated in a temporary copy.
  Result<TransferReport> import_from(const std::string& path);
  // Re-hashes every artifact and recomputes every bundle's set_hash; reports each bad row.
  // Read-only.
  Result<CasVerifyReport> verify();

  struct Impl;  // defined inside the library only; the bundle functions reach it from there

 private:
  friend struct cas_detail::Access;
  explicit CasStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sqlink
