// Names of bundles: alias (add a name), unalias (remove one), delete (a bundle and all its
// names). Invariant: every bundle keeps at least one name, and a name means exactly one set.
#include <string>

#include "bundle/internal.hpp"

namespace sqlink {
namespace {

using bundle_detail::Impl;
using bundle_detail::run;

Result<std::int64_t> bound_id(Impl& s, std::string_view name) {
  auto id = bundle_detail::id_by_name(s, name);
  if (!id.ok()) return std::move(id).error();
  if (!*id) {
    return Error::make(Errc::not_found, "no bundle is named " + quoted(name), name,
                       ".bundle list shows the bundles");
  }
  return **id;
}

}  // namespace

Result<void> bundle_alias(CasStore& store, std::string_view old_ref, std::string_view new_name) {
  auto impl = cas_detail::impl_of(store);
  if (!impl.ok()) return std::move(impl).error();
  Impl& s = **impl;
  if (auto r = check_bundle_name(new_name); !r.ok()) return r;
  if (auto r = s.require_writable("alias a bundle"); !r.ok()) return r;
  const std::string doing = s.shown() + ": cannot alias bundle " + quoted(old_ref);
  auto txn = cas_detail::WriteTxn::begin(s.db, doing);
  if (!txn.ok()) return std::move(txn).error();
  auto id = bundle_detail::find_id(s, old_ref);
  if (!id.ok()) return std::move(id).error();
  auto taken = bundle_detail::id_by_name(s, new_name);
  if (!taken.ok()) return std::move(taken).error();
  if (*taken) {
    if (**taken == *id) return {};  // already a name of this bundle
    auto other = bundle_detail::load_info(s, **taken);
    if (!other.ok()) return std::move(other).error();
    return Error::make(Errc::conflict,
                       "bundle " + quoted(new_name) + " is already bound to " +
                           cas_detail::short_hex(other->set_hash),
                       new_name, ".bundle unalias it first");
  }
  if (auto r =
          run(s, "INSERT INTO __cas_bundle_alias(name, bundle_id, created_at) VALUES(?1, ?2, ?3)",
              doing, [&](auto& st) { st.bind_text(1, new_name).bind(2, *id).bind(3, s.now()); });
      !r.ok()) {
    return r;
  }
  return txn->commit(doing);
}

Result<void> bundle_unalias(CasStore& store, std::string_view name) {
  auto impl = cas_detail::impl_of(store);
  if (!impl.ok()) return std::move(impl).error();
  Impl& s = **impl;
  if (auto r = check_bundle_name(name); !r.ok()) return r;
  if (auto r = s.require_writable("unalias a bundle"); !r.ok()) return r;
  const std::string doing = s.shown() + ": cannot unalias " + quoted(name);
  auto txn = cas_detail::WriteTxn::begin(s.db, doing);
  if (!txn.ok()) return std::move(txn).error();
  auto id = bound_id(s, name);
  if (!id.ok()) return std::move(id).error();
  auto info = bundle_detail::load_info(s, *id);
  if (!info.ok()) return std::move(info).error();
  // mutate: next-line rel.le.eq: bound_id found this name in the alias table in the same transaction, so aliases holds at least it
  if (info->aliases.size() <= 1) {
    return Error::make(
        Errc::conflict,
        quoted(name) + " is the last name of bundle " + cas_detail::short_hex(info->set_hash), name,
        ".bundle delete " + sanitize(name) + " removes the bundle");
  }
  if (auto r = run(s, "DELETE FROM __cas_bundle_alias WHERE name = ?1", doing,
                   [&](auto& st) { st.bind_text(1, name); });
      !r.ok()) {
    return r;
  }
  // The display name follows the names that are left.
  if (auto r = run(s,
                   "UPDATE __cas_bundle SET name = (SELECT min(name) FROM __cas_bundle_alias"
                   " WHERE bundle_id = ?1) WHERE id = ?1 AND name = ?2",
                   doing, [&](auto& st) { st.bind(1, *id).bind_text(2, name); });
      !r.ok()) {
    return r;
  }
  return txn->commit(doing);
}

Result<BundleInfo> bundle_delete(CasStore& store, std::string_view name) {
  auto impl = cas_detail::impl_of(store);
  if (!impl.ok()) return std::move(impl).error();
  Impl& s = **impl;
  if (auto r = check_bundle_name(name); !r.ok()) return r.error();
  if (auto r = s.require_writable("delete a bundle"); !r.ok()) return r.error();
  const std::string doing = s.shown() + ": cannot delete bundle " + quoted(name);
  auto txn = cas_detail::WriteTxn::begin(s.db, doing);
  if (!txn.ok()) return std::move(txn).error();
  auto id = bound_id(s, name);
  if (!id.ok()) return std::move(id).error();
  auto info = bundle_detail::load_info(s, *id);
  if (!info.ok()) return info;
  // Members, binaries and aliases go with it (ON DELETE CASCADE).
  if (auto r = run(s, "DELETE FROM __cas_bundle WHERE id = ?1", doing,
                   [&](auto& st) { st.bind(1, *id); });
      !r.ok()) {
    return r.error();
  }
  if (auto r = txn->commit(doing); !r.ok()) return r.error();
  s.bundle_hits.erase(*id);
  return info;
}

}  // namespace sqlink
