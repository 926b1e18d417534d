// Between store files: import_from() merges another store in (one transaction, all or nothing,
// every artifact re-hashed, the source never written); export_to() imports this one into a new
// file.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "bundle/internal.hpp"
#include "cas/internal.hpp"
#include "cas/migrate.hpp"
#include "sqlink/bundle.hpp"
#include "sqlink/cas.hpp"

namespace sqlink {
namespace {

using cas_detail::Connection;
using cas_detail::Stmt;

// The side files SQLite may leave beside a database.
constexpr std::string_view kSideSuffixes[] = {"", "-wal", "-shm", "-journal"};

void remove_database_files(const std::string& path) {
  for (const auto suffix : kSideSuffixes) ::unlink((path + std::string(suffix)).c_str());
}

std::string dir_of(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// A scratch copy of an old-schema source, migrated there so the source itself is untouched.
class ScratchCopy {
 public:
  ScratchCopy() = default;
  ScratchCopy(const ScratchCopy&) = delete;
  ScratchCopy& operator=(const ScratchCopy&) = delete;
  ~ScratchCopy() {
    // mutate: next-line call.void.remove: the member destructor closes the connection right after;
    // closing after the unlink writes only to unlinked inodes
    // and leaves no file behind
    db.close();
    if (!path.empty()) remove_database_files(path);
  }
  std::string path;
  Connection db;
};

struct Source {
  std::string shown;  // "cache '<path>'"
  Connection direct;  // read-only connection to the source file
  std::unique_ptr<ScratchCopy> scratch;
  Connection& db() { return scratch ? scratch->db : direct; }
};

Result<void> migrate_copy(Source& src, const std::string& scratch_dir) {
  auto scratch = std::make_unique<ScratchCopy>();
  std::string tmpl = scratch_dir + "/.sqlink-import-XXXXXX";
  const int fd = ::mkstemp(tmpl.data());
  // mutate: next-line rel.lt.le, lit.int.one: open_source() opened the source through SQLite
  // first, which puts /dev/null on descriptors 0-2 when
  // they are free, so mkstemp() never returns 0
  if (fd < 0) {
    const int err = errno;
    return Error::make(Errc::io_error, "cannot create a scratch copy of " + src.shown + " in " +
                                           quoted(scratch_dir) + ": " +
                                           cas_detail::errno_text(err));
  }
  ::close(fd);
  scratch->path = tmpl;
  auto db = Connection::open(cas_detail::file_uri(tmpl),
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, tmpl);
  if (!db.ok()) return std::move(db).error();
  scratch->db = std::move(*db);
  sqlite3_backup* backup = sqlite3_backup_init(scratch->db.get(), "main", src.direct.get(), "main");
  if (backup == nullptr) {
    return cas_detail::sqlite_error(scratch->db.get(), sqlite3_errcode(scratch->db.get()),
                                    "cannot copy " + src.shown);
  }
  sqlite3_backup_step(backup, -1);
  if (const int rc = sqlite3_backup_finish(backup); rc != SQLITE_OK) {
    return cas_detail::sqlite_error(scratch->db.get(), rc, "cannot copy " + src.shown);
  }
  if (auto r = cas_detail::migrate(scratch->db, src.shown); !r.ok()) return std::move(r).error();
  src.scratch = std::move(scratch);
  return {};
}

Result<Source> open_source(const std::string& path, const std::string& scratch_dir) {
  Source src;
  src.shown = "cache " + quoted(path);
  auto db = cas_detail::open_read_only(path, cas_detail::ReadOnlyUse::inspect);
  if (!db.ok()) return std::move(db).error();
  src.direct = std::move(*db);
  auto version = cas_detail::read_schema_version(src.direct, src.shown);
  if (!version.ok()) return std::move(version).error();
  if (*version == 0) {
    return Error::make(Errc::not_found, src.shown + " is empty: there is nothing to import", path);
  }
  if (*version > kCasSchemaVersion) return cas_detail::schema_too_new_error(src.shown, *version);
  // mutate: next-line rel.lt.ne: 0 and newer versions have returned above, so here != is <
  if (*version < kCasSchemaVersion) {
    if (auto r = migrate_copy(src, scratch_dir); !r.ok()) return r.error();
  }
  return src;
}

// Steps `stmt` and calls `each` per row; the first error from either stops the walk.
template <class Fn>
Result<void> for_each_row(Stmt& stmt, std::string_view doing, Fn&& each) {
  for (;;) {
    auto row = stmt.step(doing);
    if (!row.ok()) return std::move(row).error();
    if (!*row) return {};
    if (auto r = each(stmt); !r.ok()) return r;
  }
}

Result<void> import_artifacts(CasStore::Impl& s, Source& src, TransferReport& report,
                              std::string_view doing) {
  auto rows = src.db().prepare(
      "SELECT hash, bytes, bytes_len, created_at, last_used_at, use_count FROM __cas_artifact",
      doing);
  if (!rows.ok()) return std::move(rows).error();
  return for_each_row(*rows, doing, [&](Stmt& row) -> Result<void> {
    const std::string_view key = row.blob(0), bytes = row.blob(1);
    auto hash = Hash::from_bytes(key);
    if (!hash.ok() || sha256(bytes) != *hash || row.is_null(1)) {
      report.refused.push_back({"artifact",
                                hash.ok() ? hash->hex() : std::string("(malformed key)"),
                                "bytes do not hash to the key; not imported"});
      return {};
    }
    auto insert = s.db.prepare(
        "INSERT INTO __cas_artifact(hash, bytes, bytes_len, created_at, last_used_at, use_count)"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(hash) DO NOTHING",
        doing);
    if (!insert.ok()) return std::move(insert).error();
    insert->bind_hash(1, *hash)
        .bind_blob_ref(2, bytes)
        .bind(3, static_cast<std::int64_t>(bytes.size()))
        .bind(4, row.int64(3))
        .bind(5, row.int64(4))
        .bind(6, row.int64(5));
    if (auto r = insert->run(doing); !r.ok()) return r;
    // mutate: next-line rel.gt.ne: sqlite3_changes() is never negative
    if (sqlite3_changes(s.db.get()) > 0) {
      ++report.artifacts_added;
    } else {
      ++report.artifacts_present;
    }
    return {};
  });
}

Result<void> import_uris(CasStore::Impl& s, Source& src, TransferReport& report,
                         std::string_view doing) {
  auto rows = src.db().prepare("SELECT uri, hash, fetched_at, last_used_at FROM __cas_uri", doing);
  if (!rows.ok()) return std::move(rows).error();
  return for_each_row(*rows, doing, [&](Stmt& row) -> Result<void> {
    // Only URIs whose artifact is here now; the newer binding of a URI wins.
    auto upsert = s.db.prepare(
        "INSERT INTO __cas_uri(uri, hash, fetched_at, last_used_at)"
        " SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM __cas_artifact WHERE hash = ?2)"
        " ON CONFLICT(uri) DO UPDATE SET hash = excluded.hash, fetched_at = excluded.fetched_at,"
        " last_used_at = max(last_used_at, excluded.last_used_at)"
        " WHERE excluded.fetched_at > __cas_uri.fetched_at",
        doing);
    if (!upsert.ok()) return std::move(upsert).error();
    upsert->bind_text(1, row.text(0))
        .bind_blob(2, row.blob(1))
        .bind(3, row.int64(2))
        .bind(4, row.int64(3));
    if (auto r = upsert->run(doing); !r.ok()) return r;
    report.uris_added += static_cast<std::uint64_t>(sqlite3_changes(s.db.get()));
    return {};
  });
}

struct SourceBundle {
  std::int64_t id;
  std::string name;
  std::string set_hash;  // raw bytes as stored
  std::int64_t created_at, last_used_at;
  std::vector<BundleMember> members;
};

Result<std::vector<BundleMember>> source_members(Source& src, std::int64_t id,
                                                 std::string_view doing, std::string& why) {
  auto rows = src.db().prepare(
      "SELECT extension_name, content_hash FROM __cas_bundle_member WHERE bundle_id = ?1", doing);
  if (!rows.ok()) return std::move(rows).error();
  rows->bind(1, id);
  std::vector<BundleMember> members;
  auto walked = for_each_row(*rows, doing, [&](Stmt& row) -> Result<void> {
    auto hash = Hash::from_bytes(row.blob(1));
    if (!check_bundle_name(row.text(0)).ok()) {
      why = "member name " + quoted(row.text(0)) + " is not a valid extension name";
    } else if (!hash.ok()) {
      why = "member " + quoted(row.text(0)) + " has a malformed content hash";
    } else {
      members.push_back({std::string(row.text(0)), *hash});
    }
    return {};
  });
  if (!walked.ok()) return walked.error();
  return members;
}

// The local bundle with this set, creating it (with its members) when there is none.
Result<std::int64_t> local_bundle_for(CasStore::Impl& s, const SourceBundle& b,
                                      TransferReport& report, std::string_view doing) {
  auto find =
      s.db.prepare("SELECT id FROM __cas_bundle WHERE set_hash = ?1 ORDER BY id LIMIT 1", doing);
  if (!find.ok()) return std::move(find).error();
  find->bind_blob(1, b.set_hash);
  auto row = find->step(doing);
  if (!row.ok()) return std::move(row).error();
  if (*row) {
    const std::int64_t id = find->int64(0);
    ++report.bundles_present;
    auto touch = s.db.prepare(
        "UPDATE __cas_bundle SET last_used_at = ?2 WHERE id = ?1 AND last_used_at < ?2", doing);
    if (!touch.ok()) return std::move(touch).error();
    touch->bind(1, id).bind(2, b.last_used_at);
    if (auto r = touch->run(doing); !r.ok()) return r.error();
    return id;
  }
  auto insert = s.db.prepare(
      "INSERT INTO __cas_bundle(name, set_hash, created_at, last_used_at) VALUES(?1, ?2, ?3, ?4)",
      doing);
  if (!insert.ok()) return std::move(insert).error();
  insert->bind_text(1, b.name)
      .bind_blob(2, b.set_hash)
      .bind(3, b.created_at)
      .bind(4, b.last_used_at);
  if (auto r = insert->run(doing); !r.ok()) return r.error();
  const std::int64_t id = sqlite3_last_insert_rowid(s.db.get());
  for (const auto& m : b.members) {
    auto member = s.db.prepare(
        "INSERT INTO __cas_bundle_member(bundle_id, extension_name, content_hash)"
        " VALUES(?1, ?2, ?3)",
        doing);
    if (!member.ok()) return std::move(member).error();
    member->bind(1, id).bind_text(2, m.extension_name).bind_hash(3, m.content_hash);
    if (auto r = member->run(doing); !r.ok()) return r.error();
  }
  ++report.bundles_added;
  return id;
}

Result<void> import_aliases(CasStore::Impl& s, Source& src, const SourceBundle& b,
                            std::int64_t local_id, TransferReport& report, std::string_view doing) {
  auto rows = src.db().prepare(
      "SELECT name, created_at FROM __cas_bundle_alias WHERE bundle_id = ?1", doing);
  if (!rows.ok()) return std::move(rows).error();
  rows->bind(1, b.id);
  return for_each_row(*rows, doing, [&](Stmt& row) -> Result<void> {
    const std::string name(row.text(0));
    if (!check_bundle_name(name).ok()) {
      report.refused.push_back(
          {"bundle", Hash::from_bytes(b.set_hash)->hex(),
           "alias " + quoted(name) + " is not a valid bundle name; not imported"});
      return {};
    }
    auto bound = s.db.prepare(
        "SELECT b.id, b.set_hash FROM __cas_bundle_alias AS a JOIN __cas_bundle AS b"
        " ON b.id = a.bundle_id WHERE a.name = ?1",
        doing);
    if (!bound.ok()) return std::move(bound).error();
    bound->bind_text(1, name);
    auto found = bound->step(doing);
    if (!found.ok()) return std::move(found).error();
    if (*found) {
      if (bound->int64(0) == local_id) return {};
      const auto here = Hash::from_bytes(bound->blob(1));
      return Error::make(
          Errc::conflict,
          "cannot import " + src.shown + ": bundle " + quoted(name) + " is already bound to " +
              (here.ok() ? cas_detail::short_hex(*here) : std::string("another set")) +
              " here; the imported cache binds it to " +
              cas_detail::short_hex(*Hash::from_bytes(b.set_hash)),
          name, "rename one of them with .bundle alias and .bundle unalias, then import again");
    }
    auto insert = s.db.prepare(
        "INSERT INTO __cas_bundle_alias(name, bundle_id, created_at) VALUES(?1, ?2, ?3)", doing);
    if (!insert.ok()) return std::move(insert).error();
    insert->bind_text(1, name).bind(2, local_id).bind(3, row.int64(1));
    if (auto r = insert->run(doing); !r.ok()) return r;
    ++report.aliases_added;
    return {};
  });
}

Result<void> import_binaries(CasStore::Impl& s, Source& src, const SourceBundle& b,
                             std::int64_t local_id, TransferReport& report,
                             std::string_view doing) {
  auto rows = src.db().prepare(
      "SELECT target_triple, binary_path, built_at FROM __cas_bundle_binary WHERE bundle_id = ?1",
      doing);
  if (!rows.ok()) return std::move(rows).error();
  rows->bind(1, b.id);
  return for_each_row(*rows, doing, [&](Stmt& row) -> Result<void> {
    if (!bundle_detail::check_triple(row.text(0)).ok()) {
      report.refused.push_back(
          {"bundle", Hash::from_bytes(b.set_hash)->hex(),
           "target triple " + quoted(row.text(0)) + " is invalid; not imported"});
      return {};
    }
    // A binary recorded here for the same triple is kept: it was built on this machine.
    auto insert = s.db.prepare(
        "INSERT OR IGNORE INTO __cas_bundle_binary(bundle_id, target_triple, binary_path, built_at)"
        " VALUES(?1, ?2, ?3, ?4)",
        doing);
    if (!insert.ok()) return std::move(insert).error();
    insert->bind(1, local_id)
        .bind_text(2, row.text(0))
        .bind_text(3, row.text(1))
        .bind(4, row.int64(2));
    if (auto r = insert->run(doing); !r.ok()) return r;
    report.binaries_added += static_cast<std::uint64_t>(sqlite3_changes(s.db.get()));
    return {};
  });
}

Result<void> import_bundles(CasStore::Impl& s, Source& src, TransferReport& report,
                            std::string_view doing) {
  std::vector<SourceBundle> bundles;
  {
    auto rows = src.db().prepare(
        "SELECT id, coalesce(name, ''), set_hash, created_at, last_used_at FROM __cas_bundle"
        " ORDER BY id",
        doing);
    if (!rows.ok()) return std::move(rows).error();
    auto walked = for_each_row(*rows, doing, [&](Stmt& row) -> Result<void> {
      bundles.push_back({row.int64(0),
                         std::string(row.text(1)),
                         std::string(row.blob(2)),
                         row.int64(3),
                         row.int64(4),
                         {}});
      return {};
    });
    if (!walked.ok()) return walked;
  }
  for (auto& b : bundles) {
    std::string why;
    auto members = source_members(src, b.id, doing, why);
    if (!members.ok()) return std::move(members).error();
    b.members = std::move(*members);
    const auto stored = Hash::from_bytes(b.set_hash);
    if (why.empty() && !stored.ok()) why = "set_hash is not 32 bytes";
    if (why.empty() && b.members.empty()) why = "has no members";
    if (why.empty() && bundle_set_hash(b.members) != *stored)
      why = "set_hash does not match its members";
    if (!why.empty()) {
      report.refused.push_back({"bundle", stored.ok() ? stored->hex() : std::string("(malformed)"),
                                why + "; not imported"});
      continue;
    }
    auto local_id = local_bundle_for(s, b, report, doing);
    if (!local_id.ok()) return std::move(local_id).error();
    if (auto r = import_aliases(s, src, b, *local_id, report, doing); !r.ok()) return r;
    if (auto r = import_binaries(s, src, b, *local_id, report, doing); !r.ok()) return r;
  }
  return {};
}

bool same_file(const std::string& a, const std::string& b) {
  struct stat sa {
  }, sb{};
  return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev &&
         sa.st_ino == sb.st_ino;
}

}  // namespace

Result<TransferReport> CasStore::import_from(const std::string& path) {
  auto impl = cas_detail::impl_of(*this);
  if (!impl.ok()) return std::move(impl).error();
  Impl& s = **impl;
  if (auto r = s.require_writable("import"); !r.ok()) return r.error();
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return Error::make(Errc::not_found, "cannot import: cache " + quoted(path) + " does not exist",
                       path);
  }
  if (same_file(path, s.path)) {
    return Error::make(Errc::invalid_value, "cannot import " + s.shown() + " into itself", path);
  }
  auto src = open_source(path, dir_of(s.path));
  if (!src.ok()) return std::move(src).error();
  if (auto r = s.flush(); !r.ok()) return r.error();
  const std::string doing = "cannot import " + src->shown + " into " + s.shown();
  auto read = cas_detail::ReadTxn::begin(src->db(), doing);
  if (!read.ok()) return std::move(read).error();
  auto txn = cas_detail::WriteTxn::begin(s.db, doing);
  if (!txn.ok()) return std::move(txn).error();
  TransferReport report;
  if (auto r = import_artifacts(s, *src, report, doing); !r.ok()) return r.error();
  if (auto r = import_uris(s, *src, report, doing); !r.ok()) return r.error();
  if (auto r = import_bundles(s, *src, report, doing); !r.ok()) return r.error();
  if (auto r = txn->commit(doing); !r.ok()) return r.error();
  return report;
}

Result<TransferReport> CasStore::export_to(const std::string& path) {
  auto impl = cas_detail::impl_of(*this);
  if (!impl.ok()) return std::move(impl).error();
  Impl& s = **impl;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    return Error::make(Errc::conflict,
                       "cannot export to " + quoted(path) + ": it exists; export writes a new file",
                       path);
  }
  if (auto r = s.flush(); !r.ok()) return r.error();
  Result<TransferReport> report = Error::make(Errc::internal, "export did not run");
  {
    CasOptions options;
    options.busy_timeout = s.options.busy_timeout;
    options.clock = s.options.clock;
    auto target = CasStore::open(path, options);
    if (!target.ok()) return std::move(target).error();
    report = target->import_from(s.path);
  }
  if (!report.ok()) remove_database_files(path);
  return report;
}

}  // namespace sqlink
