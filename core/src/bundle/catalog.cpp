// Listing bundles, and bundle gc: drop bundles outside the N most recently used and/or unused
// for longer than a duration. Artifacts they held stay until the CAS gc finds them unreferenced.
#include <algorithm>
#include <limits>
#include <string>

#include "bundle/internal.hpp"

namespace sqlink {
namespace {

using bundle_detail::Impl;

Result<std::vector<std::int64_t>> ids_by_recency(Impl& s, std::string_view doing) {
  auto stmt =
      s.db.prepare("SELECT id FROM __cas_bundle ORDER BY last_used_at DESC, id DESC", doing);
  if (!stmt.ok()) return std::move(stmt).error();
  std::vector<std::int64_t> ids;
  for (;;) {
    auto row = stmt->step(doing);
    if (!row.ok()) return std::move(row).error();
    if (!*row) return ids;
    ids.push_back(stmt->int64(0));
  }
}

// now - age, without overflowing for absurd durations.
std::int64_t cutoff(std::int64_t now, std::chrono::seconds age) {
  const auto secs = age.count();
  // mutate: next-line rel.le.eq, rel.le.lt: bundle_gc refuses negative ages before this, and an age of 0 gives now on both paths
  if (secs <= 0) return now;
  constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
  // mutate: next-line rel.lt.le: at equality both arms are kMin
  return now < kMin + secs ? kMin : now - secs;
}

}  // namespace

Result<std::vector<BundleInfo>> bundle_list(CasStore& store) {
  auto impl = cas_detail::impl_of(store);
  if (!impl.ok()) return std::move(impl).error();
  Impl& s = **impl;
  const std::string doing = s.shown() + ": cannot list bundles";
  auto txn = cas_detail::ReadTxn::begin(s.db, doing);
  if (!txn.ok()) return std::move(txn).error();
  auto ids = ids_by_recency(s, doing);
  if (!ids.ok()) return std::move(ids).error();
  std::vector<BundleInfo> out;
  for (const auto id : *ids) {
    auto info = bundle_detail::load_info(s, id);
    if (!info.ok()) return std::move(info).error();
    out.push_back(std::move(*info));
  }
  std::sort(out.begin(), out.end(), [](const BundleInfo& a, const BundleInfo& b) {
    // mutate: next-line rel.lt.le: ids are distinct and std::sort never compares an element with itself
    return a.name != b.name ? a.name < b.name : a.id < b.id;
  });
  return out;
}

Result<std::vector<BundleInfo>> bundle_gc(CasStore& store, const BundleGcPolicy& policy) {
  auto impl = cas_detail::impl_of(store);
  if (!impl.ok()) return std::move(impl).error();
  Impl& s = **impl;
  if (!policy.keep && !policy.older_than) {
    return Error::make(Errc::invalid_value, "bundle gc needs --keep N or --older-than DURATION");
  }
  if (policy.older_than && policy.older_than->count() < 0) {
    return Error::make(Errc::out_of_range, "bundle gc --older-than must not be negative");
  }
  if (auto r = s.require_writable("collect bundles"); !r.ok()) return r.error();
  // Recency decides, so uses gathered in memory must be on disk first.
  if (auto r = s.flush(); !r.ok()) return r.error();
  const std::string doing = s.shown() + ": cannot collect bundles";
  auto txn = cas_detail::WriteTxn::begin(s.db, doing);
  if (!txn.ok()) return std::move(txn).error();
  auto ids = ids_by_recency(s, doing);
  if (!ids.ok()) return std::move(ids).error();
  const std::int64_t oldest_kept = policy.older_than ? cutoff(s.now(), *policy.older_than)
                                                     : std::numeric_limits<std::int64_t>::max();
  std::vector<BundleInfo> removed;
  // mutate: next-line rel.lt.ne: rank steps by one from 0
  for (std::size_t rank = 0; rank < ids->size(); ++rank) {
    if (policy.keep && rank < *policy.keep) continue;
    auto info = bundle_detail::load_info(s, (*ids)[rank]);
    if (!info.ok()) return std::move(info).error();
    if (policy.older_than && info->last_used_at >= oldest_kept) continue;
    if (auto r = bundle_detail::run(s, "DELETE FROM __cas_bundle WHERE id = ?1", doing,
                                    [&](auto& st) { st.bind(1, info->id); });
        !r.ok()) {
      return r.error();
    }
    removed.push_back(std::move(*info));
  }
  if (auto r = txn->commit(doing); !r.ok()) return r.error();
  return removed;
}

}  // namespace sqlink
