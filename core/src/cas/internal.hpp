// The inside of a CasStore, shared by the cas and bundle sources (not installed).
// Invariant: every write goes through a WriteTxn on `db`; hits live in memory until flush().
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <system_error>

#include "cas/sqlite.hpp"
#include "sqlink/cas.hpp"

namespace sqlink {

struct CasStore::Impl {
  std::string path;
  CasOptions options;
  cas_detail::Connection db;
  int schema_version = 0;

  // Uses gathered by reads, written by flush(): a hit never waits for the write lock, and a
  // read-only store serves hits without writing at all.
  struct ArtifactHit {
    std::int64_t last_used_at = 0;
    std::uint64_t count = 0;
  };
  std::map<Hash, ArtifactHit> artifact_hits;
  std::map<std::string, std::int64_t, std::less<>> uri_hits;  // uri -> last used
  std::map<std::int64_t, std::int64_t> bundle_hits;           // bundle id -> last used
  std::uint32_t pending_hits = 0;

  std::int64_t now() const;
  bool read_only() const noexcept { return options.read_only; }
  // permission_denied naming the operation when the store was opened read-only.
  Result<void> require_writable(std::string_view operation) const;

  void record_artifact_hit(const Hash& hash);
  void record_uri_hit(std::string_view uri);
  void record_bundle_hit(std::int64_t bundle_id);
  // Writes the gathered uses. `wait` false gives up at once when another process holds the
  // write lock (the uses stay for the next try): a hit must never wait for a lock.
  Result<void> flush(bool wait = true);

  // "cache '<path>'", for messages.
  std::string shown() const { return "cache " + quoted(path); }
};

namespace cas_detail {

struct Access {
  static CasStore::Impl& impl(CasStore& store) { return *store.impl_; }
  static bool valid(const CasStore& store) noexcept { return store.impl_ != nullptr; }
};

// internal error for calls on a moved-from store, else the Impl.
Result<CasStore::Impl*> impl_of(CasStore& store);

// Creates the missing directories above `file` with mode 0700. A component that exists but
// is not a directory is not_a_directory naming it.
Result<void> make_parent_dirs(const std::string& file);

// A connection that cannot write the file or create anything beside it where that can be
// avoided: SQLITE_OPEN_READONLY, and immutable when there is no -wal to read (or, for a store,
// when the directory is not writable, so SQLite could not create its -shm anyway).
enum class ReadOnlyUse { store, inspect };
Result<Connection> open_read_only(const std::string& path, ReadOnlyUse use);

// strerror() text without strerror()'s shared buffer.
inline std::string errno_text(int err) { return std::generic_category().message(err); }

// The first `digits` hex digits of a hash and "...": enough to tell sets apart in a message.
inline std::string short_hex(const Hash& hash, std::size_t digits = 12) {
  return hash.hex().substr(0, digits) + "...";
}

}  // namespace cas_detail
}  // namespace sqlink
