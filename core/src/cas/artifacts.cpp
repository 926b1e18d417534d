// Artifacts and URIs: put, get (re-hashed on every read), contains, and URI bindings.
// Invariant: get() returns bytes only after they hashed to the key they were asked for.
#include <algorithm>
#include <cctype>
#include <string>

#include "cas/internal.hpp"
#include "sqlink/cas.hpp"
#include "sqlink/limits.hpp"

namespace sqlink {
namespace {

using cas_detail::impl_of;

// Schemes whose URIs are hashes, not names to look up.
constexpr std::string_view kHashSchemes[] = {"sha256", "digest"};

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool is_hash_scheme(std::string_view uri) {
  const auto colon = uri.find(':');
  if (colon == std::string_view::npos) return false;
  const std::string scheme = lower(uri.substr(0, colon));
  return std::find(std::begin(kHashSchemes), std::end(kHashSchemes), scheme) !=
         std::end(kHashSchemes);
}

std::optional<Error> check_uri(std::string_view uri) {
  if (uri.empty()) return Error::make(Errc::missing_argument, "the URI is empty");
  for (unsigned char c : uri) {
    if (c < 0x20 || c == 0x7f) {
      return Error::make(Errc::control_character,
                         "URI " + quoted(uri) + " contains a NUL or control byte", uri);
    }
  }
  // A URI is bounded like a path: it is one, or it names a resource that has one.
  if (uri.size() > limits::kMaxPathBytes) {
    return Error::make(Errc::too_long,
                       "URI " + quoted(uri) + " is longer than " +
                           std::to_string(limits::kMaxPathBytes) + " bytes",
                       uri);
  }
  return std::nullopt;
}

Error not_stored(const Hash& hash) {
  return Error::make(Errc::not_found, "artifact sha256:" + hash.hex() + " is not in the cache");
}

// The stored bytes if they hash to `hash`; corrupt otherwise. Shared by get() and verify().
Result<std::string> checked_bytes(const Hash& hash, std::string_view bytes,
                                  std::int64_t bytes_len) {
  const Hash actual = sha256(bytes);
  if (actual != hash) {
    return Error::make(Errc::corrupt,
                       "artifact sha256:" + hash.hex() + " is corrupt: its bytes hash to " +
                           cas_detail::short_hex(actual),
                       {}, "run .cache verify; .load the extension again to store good bytes");
  }
  if (bytes_len != static_cast<std::int64_t>(bytes.size())) {
    return Error::make(Errc::corrupt, "artifact sha256:" + hash.hex() + " is corrupt: bytes_len " +
                                          std::to_string(bytes_len) + " but " +
                                          std::to_string(bytes.size()) + " bytes stored");
  }
  return std::string(bytes);
}

}  // namespace

Result<Hash> parse_hash_uri(std::string_view uri) {
  const auto colon = uri.find(':');
  if (colon != std::string_view::npos && is_hash_scheme(uri)) {
    if (auto hash = Hash::from_hex(uri.substr(colon + 1)); hash.ok()) return hash;
  }
  return Error::make(Errc::invalid_value,
                     "hash URI " + quoted(uri) + " must be sha256:<64 hex> or digest:<64 hex>",
                     uri);
}

Result<Hash> CasStore::put(std::string_view bytes) {
  auto impl = impl_of(*this);
  if (!impl.ok()) return std::move(impl).error();
  Impl& s = **impl;
  if (auto r = s.require_writable("store an artifact"); !r.ok()) return r.error();
  const auto cap = static_cast<std::size_t>(sqlite3_limit(s.db.get(), SQLITE_LIMIT_LENGTH, -1));
  if (bytes.size() > cap) {
    return Error::make(Errc::too_large, "artifact of " + std::to_string(bytes.size()) +
                                            " bytes exceeds the cache's limit of " +
                                            std::to_string(cap) + " bytes");
  }
  const Hash hash = sha256(bytes);
  const std::int64_t now = s.now();
  const auto size = static_cast<std::int64_t>(bytes.size());
  const std::string doing = s.shown() + ": cannot store artifact sha256:" + hash.hex();
  auto txn = cas_detail::WriteTxn::begin(s.db, doing);
  if (!txn.ok()) return std::move(txn).error();
  auto insert = s.db.prepare(
      "INSERT INTO __cas_artifact(hash, bytes, bytes_len, created_at, last_used_at, use_count)"
      " VALUES(?1, ?2, ?3, ?4, ?4, 0) ON CONFLICT(hash) DO NOTHING",
      doing);
  if (!insert.ok()) return std::move(insert).error();
  insert->bind_hash(1, hash).bind_blob_ref(2, bytes).bind(3, size).bind(4, now);
  if (auto r = insert->run(doing); !r.ok()) return r.error();
  if (sqlite3_changes(s.db.get()) == 0) {
    // Already stored. Rewrite the bytes only if the stored ones went bad (a put repairs a
    // corrupt row); otherwise refresh last_used_at, and only when that changes something.
    auto intact = s.db.prepare(
        "SELECT bytes_len = ?2 AND bytes = ?3 FROM __cas_artifact WHERE hash = ?1", doing);
    if (!intact.ok()) return std::move(intact).error();
    // mutate: next-line lit.int.zero: an unbound parameter is NULL and makes the row look damaged;
    // the repair UPDATE then writes the values an intact row
    // already holds, which changes nothing
    intact->bind_hash(1, hash).bind(2, size).bind_blob_ref(3, bytes);
    auto row = intact->step(doing);
    if (!row.ok()) return std::move(row).error();
    // mutate: next-line lit.int.one: a false "good" only sends an intact row down the repair
    // UPDATE, which writes the values it already holds (SQLite
    // skips identical overwrites): the same row, nothing written
    const bool good = *row && intact->int64(0) == 1;
    if (good) {
      auto touch = s.db.prepare(
          "UPDATE __cas_artifact SET last_used_at = ?2 WHERE hash = ?1 AND last_used_at < ?2",
          doing);
      if (!touch.ok()) return std::move(touch).error();
      touch->bind_hash(1, hash).bind(2, now);
      if (auto r = touch->run(doing); !r.ok()) return r.error();
    } else {
      auto repair = s.db.prepare(
          "UPDATE __cas_artifact SET bytes = ?2, bytes_len = ?3,"
          " last_used_at = max(last_used_at, ?4) WHERE hash = ?1",
          doing);
      if (!repair.ok()) return std::move(repair).error();
      repair->bind_hash(1, hash).bind_blob_ref(2, bytes).bind(3, size).bind(4, now);
      if (auto r = repair->run(doing); !r.ok()) return r.error();
    }
  }
  if (auto r = txn->commit(doing); !r.ok()) return r.error();
  return hash;
}

Result<std::string> CasStore::get(const Hash& hash) {
  auto impl = impl_of(*this);
  if (!impl.ok()) return std::move(impl).error();
  Impl& s = **impl;
  const std::string doing = s.shown() + ": cannot read artifact sha256:" + hash.hex();
  std::optional<Result<std::string>> found;
  {
    auto stmt = s.db.prepare("SELECT bytes, bytes_len FROM __cas_artifact WHERE hash = ?1", doing);
    if (!stmt.ok()) return std::move(stmt).error();
    stmt->bind_hash(1, hash);
    auto row = stmt->step(doing);
    if (!row.ok()) return std::move(row).error();
    if (!*row) return not_stored(hash);
    found.emplace(checked_bytes(hash, stmt->blob(0), stmt->int64(1)));
  }  // the statement is reset here, so a flush triggered by the hit can write
  if (found->ok()) s.record_artifact_hit(hash);
  return std::move(*found);
}

Result<bool> CasStore::contains(const Hash& hash) {
  auto impl = impl_of(*this);
  if (!impl.ok()) return std::move(impl).error();
  Impl& s = **impl;
  const std::string doing = s.shown() + ": cannot look up artifact sha256:" + hash.hex();
  auto stmt = s.db.prepare("SELECT 1 FROM __cas_artifact WHERE hash = ?1", doing);
  if (!stmt.ok()) return std::move(stmt).error();
  stmt->bind_hash(1, hash);
  auto row = stmt->step(doing);
  if (!row.ok()) return std::move(row).error();
  return *row;
}

Result<void> CasStore::bind_uri(std::string_view uri, const Hash& hash) {
  auto impl = impl_of(*this);
  if (!impl.ok()) return std::move(impl).error();
  Impl& s = **impl;
  if (auto bad = check_uri(uri)) return *bad;
  if (is_hash_scheme(uri)) {
    return Error::make(
        Errc::invalid_value,
        "URI " + quoted(uri) + " is a hash URI; it names its artifact and cannot be bound", uri);
  }
  if (auto r = s.require_writable("bind a URI"); !r.ok()) return r;
  const std::string doing = s.shown() + ": cannot bind URI " + quoted(uri);
  auto txn = cas_detail::WriteTxn::begin(s.db, doing);
  if (!txn.ok()) return std::move(txn).error();
  auto present = contains(hash);
  if (!present.ok()) return std::move(present).error();
  if (!*present) return not_stored(hash);
  auto stmt = s.db.prepare(
      "INSERT INTO __cas_uri(uri, hash, fetched_at, last_used_at) VALUES(?1, ?2, ?3, ?3)"
      " ON CONFLICT(uri) DO UPDATE SET hash = excluded.hash, fetched_at = excluded.fetched_at,"
      " last_used_at = excluded.last_used_at",
      doing);
  if (!stmt.ok()) return std::move(stmt).error();
  stmt->bind_text(1, uri).bind_hash(2, hash).bind(3, s.now());
  if (auto r = stmt->run(doing); !r.ok()) return r;
  return txn->commit(doing);
}

Result<Hash> CasStore::lookup_uri(std::string_view uri) {
  auto impl = impl_of(*this);
  if (!impl.ok()) return std::move(impl).error();
  Impl& s = **impl;
  if (auto bad = check_uri(uri)) return *bad;
  const std::string doing = s.shown() + ": cannot look up URI " + quoted(uri);
  std::optional<Result<Hash>> found;
  {
    auto stmt = s.db.prepare("SELECT hash FROM __cas_uri WHERE uri = ?1", doing);
    if (!stmt.ok()) return std::move(stmt).error();
    stmt->bind_text(1, uri);
    auto row = stmt->step(doing);
    if (!row.ok()) return std::move(row).error();
    if (!*row)
      return Error::make(Errc::not_found, "URI " + quoted(uri) + " is not bound in the cache", uri);
    found.emplace(Hash::from_bytes(stmt->blob(0)));
  }
  if (!found->ok()) {
    return Error::make(Errc::corrupt, "URI " + quoted(uri) + " is bound to a malformed hash", uri);
  }
  s.record_uri_hit(uri);
  return std::move(*found);
}

Result<Hash> CasStore::lookup(std::string_view uri) {
  if (auto bad = check_uri(uri)) return *bad;
  if (!is_hash_scheme(uri)) return lookup_uri(uri);
  auto hash = parse_hash_uri(uri);
  if (!hash.ok()) return hash;
  auto present = contains(*hash);
  if (!present.ok()) return std::move(present).error();
  if (!*present) return not_stored(*hash);
  return hash;
}

}  // namespace sqlink
