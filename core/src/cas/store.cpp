// Opening and closing a CasStore: path checks, directories, the newer-schema probe, pragmas
// and migration. A file this code cannot understand is refused before anything writes to it.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <string>
#include <thread>
#include <utility>

#include "cas/internal.hpp"
#include "cas/migrate.hpp"
#include "sqlink/cas.hpp"
#include "sqlink/limits.hpp"

namespace sqlink {
namespace {

using cas_detail::Connection;

// The fixed header every SQLite database file starts with.
constexpr off_t kSqliteHeaderBytes = 100;

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

std::optional<Error> check_path(std::string_view path) {
  if (path.empty()) return Error::make(Errc::missing_argument, "the cache path is empty");
  for (unsigned char c : path) {
    if (c < 0x20 || c == 0x7f) {
      return Error::make(Errc::control_character,
                         "cache path " + quoted(path) + " contains a NUL or control byte", path);
    }
  }
  if (path.size() > limits::kMaxPathBytes) {
    return Error::make(Errc::too_long,
                       "cache path " + quoted(path) + " is longer than " +
                           std::to_string(limits::kMaxPathBytes) + " bytes",
                       path);
  }
  return std::nullopt;
}

std::string parent_dir(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// The version of an existing file, read through a connection that cannot write, so a file from
// a newer sqlink is refused before a read-write open could checkpoint or convert anything.
Result<void> refuse_newer(const std::string& path, std::string_view shown) {
  auto probe = cas_detail::open_read_only(path, cas_detail::ReadOnlyUse::inspect);
  if (!probe.ok()) return {};  // the real open reports why the file cannot be opened
  auto version = cas_detail::read_schema_version(*probe, shown);
  if (!version.ok()) {
    // Not a database, or not ours: refuse now, still without having written anything.
    const Errc code = version.error().code;
    if (code == Errc::corrupt) return std::move(version).error();
    return {};
  }
  if (*version > kCasSchemaVersion) return cas_detail::schema_too_new_error(shown, *version);
  return {};
}

// A writer needs the directory too: SQLite creates the file, its -wal and -shm there. Checked
// up front (with the effective ids) because SQLite's own error only says "unable to open".
Result<void> require_writable_dir(const std::string& path, bool present, std::string_view shown) {
  const std::string dir = parent_dir(path);
  const bool dir_ok = ::faccessat(AT_FDCWD, dir.c_str(), W_OK | X_OK, AT_EACCESS) == 0;
  const int dir_err = errno;
  const bool file_ok =
      !present || ::faccessat(AT_FDCWD, path.c_str(), R_OK | W_OK, AT_EACCESS) == 0;
  const int file_err = errno;
  if (dir_ok && file_ok) return {};
  const int err = dir_ok ? file_err : dir_err;
  const std::string what = dir_ok ? std::string("the file is not writable")
                                  : "directory " + quoted(dir) + " is not writable";
  return Error::make(
      err == EACCES || err == EROFS || err == EPERM ? Errc::permission_denied : Errc::io_error,
      "cannot open " + std::string(shown) + " for writing: " + what + " (" +
          cas_detail::errno_text(err) + ")",
      path, "open it read-only to read it");
}

Result<void> set_pragmas(Connection& db, const CasOptions& options, std::string_view shown) {
  sqlite3_busy_timeout(db.get(), static_cast<int>(options.busy_timeout.count()));
  const std::string doing = std::string(shown) + ": cannot configure the connection";
  if (auto r = db.exec("PRAGMA foreign_keys = ON", doing); !r.ok()) return r;
  if (options.read_only) return {};
  // WAL lets readers run beside one writer; NORMAL sync in WAL mode survives a killed process
  // (only a power cut can lose the last commits, and never corrupts).
  //
  // Switching an old rollback-journal file to WAL needs an exclusive lock, and SQLite answers
  // SQLITE_BUSY at once when another process holds any lock, without calling the busy handler.
  // Several processes opening an old store together (the concurrency test does) would fail, so
  // the switch is retried, with backoff, for as long as the busy timeout allows.
  const auto deadline = std::chrono::steady_clock::now() + options.busy_timeout;
  auto pause = std::chrono::milliseconds(1);
  for (;;) {
    auto r = db.exec("PRAGMA journal_mode = WAL", doing);
    if (r.ok()) break;
    if (r.error().code != Errc::timeout || std::chrono::steady_clock::now() >= deadline) return r;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(50));
  }
  return db.exec("PRAGMA synchronous = NORMAL", doing);
}

}  // namespace

namespace cas_detail {

Result<Connection> open_read_only(const std::string& path, ReadOnlyUse use) {
  const bool has_wal = exists(path + "-wal");
  const bool has_journal = exists(path + "-journal");
  const bool dir_writable = ::faccessat(AT_FDCWD, parent_dir(path).c_str(), W_OK, AT_EACCESS) == 0;
  // Without a -wal there is nothing newer than the file itself, so reading it as immutable is
  // exact and creates no -shm. A hot rollback journal must be seen, so never immutable then.
  const bool immutable = !has_wal && !has_journal && (use == ReadOnlyUse::inspect || !dir_writable);
  return Connection::open(file_uri(path, immutable ? "mode=ro&immutable=1" : "mode=ro"),
                          SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, path);
}

Result<CasStore::Impl*> impl_of(CasStore& store) {
  if (!Access::valid(store)) {
    return Error::make(Errc::internal, "the cache store was used after being moved from");
  }
  return &Access::impl(store);
}

}  // namespace cas_detail

CasStore::CasStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CasStore::CasStore(CasStore&&) noexcept = default;
CasStore& CasStore::operator=(CasStore&& other) noexcept {
  if (this != &other) {
    if (impl_) (void)impl_->flush();
    impl_ = std::move(other.impl_);
  }
  return *this;
}

CasStore::~CasStore() {
  // Use counts are statistics: losing them to a failed final write is acceptable.
  if (impl_) (void)impl_->flush();
}

const std::string& CasStore::path() const {
  static const std::string kNone;
  return impl_ ? impl_->path : kNone;
}

bool CasStore::read_only() const { return impl_ && impl_->read_only(); }

Result<CasStore> CasStore::open(const std::string& path, CasOptions options) {
  if (auto bad = check_path(path)) return *bad;
  const std::string shown = "cache " + quoted(path);
  struct stat st {};
  const bool present = ::stat(path.c_str(), &st) == 0;
  // ENOENT and ENOTDIR are for make_parent_dirs() to create or name; anything else (a
  // directory we may not search) is reported as it is.
  if (!present && errno != ENOENT && errno != ENOTDIR) {
    const int err = errno;
    return Error::make(err == EACCES ? Errc::permission_denied : Errc::io_error,
                       "cannot open " + shown + ": " + cas_detail::errno_text(err), path);
  }
  if (present && S_ISDIR(st.st_mode)) {
    return Error::make(Errc::invalid_value,
                       shown + " is a directory; the cache is a file (use --cache-dir DIR)", path);
  }
  if (!present && options.read_only) {
    return Error::make(Errc::not_found, shown + " does not exist", path);
  }
  if (!present) {
    if (auto r = cas_detail::make_parent_dirs(path); !r.ok()) return r.error();
  }
  if (!options.read_only) {
    if (auto r = require_writable_dir(path, present, shown); !r.ok()) return r.error();
  }
  // SQLite takes a 1-byte file for an empty database and would make a new cache of it; a file
  // shorter than a database header but not empty is something else, and left alone.
  // mutate: next-line rel.gt.ne: st_size is never negative
  if (present && st.st_size > 0 && st.st_size < kSqliteHeaderBytes) {
    return Error::make(Errc::corrupt,
                       shown + " is not a SQLite database (" + std::to_string(st.st_size) +
                           " bytes, shorter than a database header); it was left as it is",
                       path);
  }
  // mutate: next-line logic.and.or, rel.gt.ge, rel.gt.ne, lit.int.one: st_size is never negative,
  // the probe of an absent file fails to open (no refusal), and an empty file is an empty
  // database (version 0, no refusal)
  if (present && st.st_size > 0) {
    if (auto r = refuse_newer(path, shown); !r.ok()) return r.error();
  }

  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->options = std::move(options);
  if (impl->options.read_only) {
    auto db = cas_detail::open_read_only(path, cas_detail::ReadOnlyUse::store);
    if (!db.ok()) return std::move(db).error();
    impl->db = std::move(*db);
  } else {
    auto db =
        Connection::open(cas_detail::file_uri(path),
                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, path);
    if (!db.ok()) return std::move(db).error();
    impl->db = std::move(*db);
  }
  impl->db.set_caching(impl->options.cache_statements);
  if (auto r = set_pragmas(impl->db, impl->options, shown); !r.ok()) return r.error();

  auto version = impl->options.read_only ? cas_detail::read_schema_version(impl->db, shown)
                                         : cas_detail::migrate(impl->db, shown);
  if (!version.ok()) return std::move(version).error();
  if (*version > kCasSchemaVersion) return cas_detail::schema_too_new_error(shown, *version);
  if (*version == 0) {
    return Error::make(Errc::not_found, shown + " is empty: no cache has been created in it yet",
                       path);
  }
  if (*version != kCasSchemaVersion) {
    return Error::make(Errc::unsupported,
                       shown + " has schema version " + std::to_string(*version) +
                           " and cannot be migrated while opened read-only",
                       {}, "open it once without read-only to migrate it");
  }
  impl->schema_version = *version;
  return CasStore(std::move(impl));
}

}  // namespace sqlink
