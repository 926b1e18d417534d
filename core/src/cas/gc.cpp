// Removing artifacts: gc() takes every one no bundle member references, evict() takes the least
// recently used unreferenced ones until a byte cap is met. Neither removes a referenced one.
#include <string>

#include "cas/internal.hpp"
#include "sqlink/cas.hpp"

namespace sqlink {
namespace {

// The one definition of "referenced", shared by every statement below.
#define SQLINK_CAS_UNREFERENCED(table) \
  "NOT EXISTS (SELECT 1 FROM __cas_bundle_member AS m WHERE m.content_hash = " table ".hash)"

Result<std::uint64_t> scalar(cas_detail::Connection& db, const char* sql, std::string_view doing) {
  auto stmt = db.prepare(sql, doing);
  if (!stmt.ok()) return std::move(stmt).error();
  auto row = stmt->step(doing);
  if (!row.ok()) return std::move(row).error();
  return static_cast<std::uint64_t>(*row ? stmt->int64(0) : 0);
}

// Deletes one artifact and the URIs bound to it; returns how many URIs went.
Result<std::uint64_t> remove_artifact(CasStore::Impl& s, const Hash& hash, std::string_view doing) {
  auto uris = s.db.prepare("DELETE FROM __cas_uri WHERE hash = ?1", doing);
  if (!uris.ok()) return std::move(uris).error();
  uris->bind_hash(1, hash);
  if (auto r = uris->run(doing); !r.ok()) return r.error();
  const auto uris_removed = static_cast<std::uint64_t>(sqlite3_changes(s.db.get()));
  // The NOT EXISTS guard repeats the check at the moment of deletion, inside the transaction.
  auto art = s.db.prepare(
      "DELETE FROM __cas_artifact WHERE hash = ?1 AND " SQLINK_CAS_UNREFERENCED("__cas_artifact"),
      doing);
  if (!art.ok()) return std::move(art).error();
  art->bind_hash(1, hash);
  if (auto r = art->run(doing); !r.ok()) return r.error();
  s.artifact_hits.erase(hash);
  return uris_removed;
}

struct Candidate {
  Hash hash;
  std::uint64_t size;
};

Result<std::vector<Candidate>> unreferenced(CasStore::Impl& s, const char* sql,
                                            std::string_view doing) {
  auto stmt = s.db.prepare(sql, doing);
  if (!stmt.ok()) return std::move(stmt).error();
  std::vector<Candidate> out;
  for (;;) {
    auto row = stmt->step(doing);
    if (!row.ok()) return std::move(row).error();
    if (!*row) break;
    auto hash = Hash::from_bytes(stmt->blob(0));
    if (hash.ok()) out.push_back({*hash, static_cast<std::uint64_t>(stmt->int64(1))});
  }
  return out;
}

}  // namespace

Result<GcReport> CasStore::gc() {
  auto impl = cas_detail::impl_of(*this);
  if (!impl.ok()) return std::move(impl).error();
  Impl& s = **impl;
  if (auto r = s.require_writable("collect garbage"); !r.ok()) return r.error();
  if (auto r = s.flush(); !r.ok()) return r.error();
  const std::string doing = s.shown() + ": cannot collect garbage";
  auto txn = cas_detail::WriteTxn::begin(s.db, doing);
  if (!txn.ok()) return std::move(txn).error();
  auto victims =
      unreferenced(s,
                   "SELECT hash, bytes_len FROM __cas_artifact AS a WHERE " SQLINK_CAS_UNREFERENCED(
                       "a") " ORDER BY hash",
                   doing);
  if (!victims.ok()) return std::move(victims).error();
  GcReport report;
  for (const auto& v : *victims) {
    auto uris = remove_artifact(s, v.hash, doing);
    if (!uris.ok()) return std::move(uris).error();
    report.removed.push_back(v.hash);
    report.bytes_removed += v.size;
    report.uris_removed += *uris;
  }
  if (auto r = txn->commit(doing); !r.ok()) return r.error();
  return report;
}

Result<EvictReport> CasStore::evict(std::uint64_t max_bytes) {
  auto impl = cas_detail::impl_of(*this);
  if (!impl.ok()) return std::move(impl).error();
  Impl& s = **impl;
  if (auto r = s.require_writable("evict artifacts"); !r.ok()) return r.error();
  // Recency decides what goes, so the hits gathered in memory must be on disk first.
  if (auto r = s.flush(); !r.ok()) return r.error();
  const std::string doing = s.shown() + ": cannot evict artifacts";
  auto txn = cas_detail::WriteTxn::begin(s.db, doing);
  if (!txn.ok()) return std::move(txn).error();
  auto total = scalar(s.db, "SELECT coalesce(sum(bytes_len), 0) FROM __cas_artifact", doing);
  if (!total.ok()) return std::move(total).error();
  auto pinned = scalar(s.db,
                       "SELECT coalesce(sum(bytes_len), 0) FROM __cas_artifact AS a"
                       " WHERE NOT " SQLINK_CAS_UNREFERENCED("a"),
                       doing);
  if (!pinned.ok()) return std::move(pinned).error();
  auto lru =
      unreferenced(s,
                   "SELECT hash, bytes_len FROM __cas_artifact AS a WHERE " SQLINK_CAS_UNREFERENCED(
                       "a") " ORDER BY last_used_at, created_at, hash",
                   doing);
  if (!lru.ok()) return std::move(lru).error();
  EvictReport report;
  std::uint64_t remaining = *total;
  for (const auto& v : *lru) {
    if (remaining <= max_bytes) break;
    auto uris = remove_artifact(s, v.hash, doing);
    if (!uris.ok()) return std::move(uris).error();
    report.removed.push_back(v.hash);
    report.bytes_removed += v.size;
    report.uris_removed += *uris;
    remaining -= std::min(remaining, v.size);
  }
  if (auto r = txn->commit(doing); !r.ok()) return r.error();
  report.bytes_remaining = remaining;
  report.pinned_bytes = *pinned;
  report.cap_met = remaining <= max_bytes;
  return report;
}

#undef SQLINK_CAS_UNREFERENCED

}  // namespace sqlink
