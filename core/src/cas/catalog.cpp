// What the store holds: list() of artifacts and stats(). Pure reads; pending hits are merged in
// from memory so the numbers are current without a write.
#include <sys/stat.h>

#include "cas/internal.hpp"
#include "sqlink/cas.hpp"

namespace sqlink {
namespace {

std::uint64_t file_size(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
}

}  // namespace

Result<std::vector<ArtifactInfo>> CasStore::list() {
  auto impl = cas_detail::impl_of(*this);
  if (!impl.ok()) return std::move(impl).error();
  Impl& s = **impl;
  const std::string doing = s.shown() + ": cannot list artifacts";
  auto stmt = s.db.prepare(
      "SELECT hash, bytes_len, created_at, last_used_at, use_count FROM __cas_artifact"
      " ORDER BY created_at, hash",
      doing);
  if (!stmt.ok()) return std::move(stmt).error();
  std::vector<ArtifactInfo> out;
  for (;;) {
    auto row = stmt->step(doing);
    if (!row.ok()) return std::move(row).error();
    if (!*row) break;
    auto hash = Hash::from_bytes(stmt->blob(0));
    if (!hash.ok()) continue;  // a malformed key; verify() reports it
    ArtifactInfo info{*hash, static_cast<std::uint64_t>(stmt->int64(1)), stmt->int64(2),
                      stmt->int64(3), static_cast<std::uint64_t>(stmt->int64(4))};
    if (auto hit = s.artifact_hits.find(info.hash); hit != s.artifact_hits.end()) {
      info.last_used_at = std::max(info.last_used_at, hit->second.last_used_at);
      info.use_count += hit->second.count;
    }
    out.push_back(info);
  }
  return out;
}

Result<CasStats> CasStore::stats() {
  auto impl = cas_detail::impl_of(*this);
  if (!impl.ok()) return std::move(impl).error();
  Impl& s = **impl;
  const std::string doing = s.shown() + ": cannot count what it holds";
  auto stmt = s.db.prepare(
      "SELECT (SELECT count(*) FROM __cas_artifact),"
      " (SELECT coalesce(sum(bytes_len), 0) FROM __cas_artifact),"
      " (SELECT count(*) FROM __cas_uri), (SELECT count(*) FROM __cas_bundle),"
      " (SELECT count(*) FROM __cas_bundle_alias), (SELECT count(*) FROM __cas_bundle_member),"
      " (SELECT count(*) FROM __cas_bundle_binary)",
      doing);
  if (!stmt.ok()) return std::move(stmt).error();
  auto row = stmt->step(doing);
  if (!row.ok()) return std::move(row).error();
  const auto u = [&](int column) { return static_cast<std::uint64_t>(stmt->int64(column)); };
  CasStats stats;
  stats.schema_version = s.schema_version;
  stats.artifacts = u(0);
  stats.artifact_bytes = u(1);
  stats.uris = u(2);
  stats.bundles = u(3);
  stats.aliases = u(4);
  stats.members = u(5);
  stats.binaries = u(6);
  stats.file_bytes = file_size(s.path);
  stats.wal_bytes = file_size(s.path + "-wal");
  return stats;
}

}  // namespace sqlink
