// Private to the bundle sources: looking bundles up by id, name and reference inside the CAS
// connection. Every function runs inside whatever transaction its caller holds.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "cas/internal.hpp"
#include "sqlink/bundle.hpp"

namespace sqlink::bundle_detail {

using Impl = CasStore::Impl;

// The bundle a name (alias) is bound to, if any.
Result<std::optional<std::int64_t>> id_by_name(Impl& s, std::string_view name);
// The bundle a reference means: exact name first, else a set_hash prefix. not_found, ambiguous.
Result<std::int64_t> find_id(Impl& s, std::string_view ref);
// Names, set_hash, member count and times (pending uses merged in).
Result<BundleInfo> load_info(Impl& s, std::int64_t id);
Result<std::vector<BundleMember>> members_of(Impl& s, std::int64_t id);

// Prepares `sql`, lets `bind` fill its parameters, and runs it to the end.
template <class Bind>
Result<void> run(Impl& s, const char* sql, std::string_view doing, Bind&& bind) {
  auto stmt = s.db.prepare(sql, doing);
  if (!stmt.ok()) return std::move(stmt).error();
  bind(*stmt);
  return stmt->run(doing);
}

// [a-z0-9_-]+, at most limits::kMaxTripleBytes.
Result<void> check_triple(std::string_view triple);

}  // namespace sqlink::bundle_detail
