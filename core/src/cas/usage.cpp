// Use accounting: hits are counted in memory and written in one transaction every N hits (without
// waiting for the lock), on flush() and on close. A hit never waits; read-only stores never write.
#include <algorithm>
#include <chrono>
#include <ctime>
#include <optional>

#include "cas/internal.hpp"

namespace sqlink {
namespace {

// Counts that could not be written (another process held the lock past the timeout) are kept
// for the next flush, but never more than this many entries: they are statistics, not data.
constexpr std::size_t kMaxPendingEntries = 4096;

// Sets busy_timeout to 0 for its lifetime, then back to the configured value.
class NoWait {
 public:
  NoWait(sqlite3* db, std::chrono::milliseconds restore) : db_(db), restore_(restore) {
    sqlite3_busy_timeout(db_, 0);
  }
  ~NoWait() { sqlite3_busy_timeout(db_, static_cast<int>(restore_.count())); }
  NoWait(const NoWait&) = delete;
  NoWait& operator=(const NoWait&) = delete;

 private:
  sqlite3* db_;
  std::chrono::milliseconds restore_;
};

void count_hit(CasStore::Impl& impl) {
  // mutate: next-line lit.int.zero: pending_hits is at least 1 after the increment, so max(0, n)
  // and max(1, n) flush at the same hit
  if (++impl.pending_hits < std::max<std::uint32_t>(1, impl.options.flush_every_hits)) return;
  // Inside a caller's transaction the flush waits for the next hit after it ends.
  if (sqlite3_get_autocommit(impl.db.get()) == 0) return;
  if (!impl.flush(false).ok() &&
      impl.artifact_hits.size() + impl.uri_hits.size() + impl.bundle_hits.size() >
          kMaxPendingEntries) {
    impl.artifact_hits.clear();
    impl.uri_hits.clear();
    impl.bundle_hits.clear();
    impl.pending_hits = 0;
  }
}

}  // namespace

std::int64_t CasStore::Impl::now() const {
  return options.clock ? options.clock() : static_cast<std::int64_t>(std::time(nullptr));
}

Result<void> CasStore::Impl::require_writable(std::string_view operation) const {
  if (!read_only()) return {};
  return Error::make(Errc::permission_denied,
                     "cannot " + std::string(operation) + ": " + shown() + " was opened read-only",
                     path);
}

void CasStore::Impl::record_artifact_hit(const Hash& hash) {
  if (read_only()) return;
  auto& hit = artifact_hits[hash];
  hit.last_used_at = std::max(hit.last_used_at, now());
  ++hit.count;
  count_hit(*this);
}

void CasStore::Impl::record_uri_hit(std::string_view uri) {
  if (read_only()) return;
  auto it = uri_hits.find(uri);
  if (it == uri_hits.end()) it = uri_hits.emplace(std::string(uri), 0).first;
  it->second = std::max(it->second, now());
  count_hit(*this);
}

void CasStore::Impl::record_bundle_hit(std::int64_t bundle_id) {
  if (read_only()) return;
  auto& last = bundle_hits[bundle_id];
  last = std::max(last, now());
  count_hit(*this);
}

Result<void> CasStore::Impl::flush(bool wait) {
  if (read_only() || (artifact_hits.empty() && uri_hits.empty() && bundle_hits.empty())) {
    pending_hits = 0;
    return {};
  }
  const std::string doing = shown() + ": cannot record use counts";
  std::optional<NoWait> no_wait;
  if (!wait) no_wait.emplace(db.get(), options.busy_timeout);
  auto txn = cas_detail::WriteTxn::begin(db, doing);
  if (!txn.ok()) return std::move(txn).error();
  // mutate: next-line call.void.remove: stores are always in WAL mode, where nothing after BEGIN
  // IMMEDIATE waits on another connection, so the busy timeout
  // is never consulted before ~NoWait restores it
  no_wait.reset();  // the lock is held; nothing below waits for another process
  for (const auto& [hash, hit] : artifact_hits) {
    auto stmt = db.prepare(
        "UPDATE __cas_artifact SET last_used_at = max(last_used_at, ?2),"
        " use_count = use_count + ?3 WHERE hash = ?1",
        doing);
    if (!stmt.ok()) return std::move(stmt).error();
    stmt->bind_hash(1, hash)
        .bind(2, hit.last_used_at)
        .bind(3, static_cast<std::int64_t>(hit.count));
    if (auto r = stmt->run(doing); !r.ok()) return r;
  }
  for (const auto& [uri, last] : uri_hits) {
    auto stmt = db.prepare(
        "UPDATE __cas_uri SET last_used_at = max(last_used_at, ?2) WHERE uri = ?1", doing);
    if (!stmt.ok()) return std::move(stmt).error();
    stmt->bind_text(1, uri).bind(2, last);
    if (auto r = stmt->run(doing); !r.ok()) return r;
  }
  for (const auto& [id, last] : bundle_hits) {
    auto stmt = db.prepare(
        "UPDATE __cas_bundle SET last_used_at = max(last_used_at, ?2) WHERE id = ?1", doing);
    if (!stmt.ok()) return std::move(stmt).error();
    stmt->bind(1, id).bind(2, last);
    if (auto r = stmt->run(doing); !r.ok()) return r;
  }
  if (auto r = txn->commit(doing); !r.ok()) return r;
  artifact_hits.clear();
  uri_hits.clear();
  bundle_hits.clear();
  pending_hits = 0;
  return {};
}

Result<void> CasStore::flush() {
  auto impl = cas_detail::impl_of(*this);
  if (!impl.ok()) return std::move(impl).error();
  return (*impl)->flush();
}

}  // namespace sqlink
