// bundle_save(): bind a name to a set of members. Same name, same set touches; same name,
// another set is a conflict; a known set under a new name gains an alias. One transaction.
#include <algorithm>
#include <set>
#include <string>

#include "bundle/internal.hpp"

namespace sqlink {
namespace {

using bundle_detail::Impl;
using bundle_detail::run;

Result<void> check_members(std::string_view name, std::span<const BundleMember> members) {
  if (members.empty()) {
    return Error::make(Errc::missing_argument,
                       "bundle " + quoted(name) + " has no members: .load extensions first", name);
  }
  std::set<std::string_view> seen;
  for (const auto& m : members) {
    if (auto r = check_bundle_name(m.extension_name); !r.ok()) return r;
    if (!seen.insert(m.extension_name).second) {
      return Error::make(
          Errc::invalid_value,
          "extension " + quoted(m.extension_name) + " appears twice in bundle " + quoted(name),
          m.extension_name);
    }
  }
  return {};
}

Result<void> require_stored(Impl& s, std::string_view name, std::span<const BundleMember> members,
                            std::string_view doing) {
  for (const auto& m : members) {
    auto stmt = s.db.prepare("SELECT 1 FROM __cas_artifact WHERE hash = ?1", doing);
    if (!stmt.ok()) return std::move(stmt).error();
    stmt->bind_hash(1, m.content_hash);
    auto row = stmt->step(doing);
    if (!row.ok()) return std::move(row).error();
    if (!*row) {
      return Error::make(
          Errc::not_found,
          "cannot save bundle " + quoted(name) + ": extension " + quoted(m.extension_name) +
              " (sha256:" + cas_detail::short_hex(m.content_hash) + ") is not in the cache",
          m.extension_name, ".load the extension again, then .bundle save");
    }
  }
  return {};
}

Result<std::optional<std::int64_t>> id_by_set(Impl& s, const Hash& set_hash,
                                              std::string_view doing) {
  auto stmt =
      s.db.prepare("SELECT id FROM __cas_bundle WHERE set_hash = ?1 ORDER BY id LIMIT 1", doing);
  if (!stmt.ok()) return std::move(stmt).error();
  stmt->bind_hash(1, set_hash);
  auto row = stmt->step(doing);
  if (!row.ok()) return std::move(row).error();
  if (!*row) return std::optional<std::int64_t>{};
  return std::optional<std::int64_t>{stmt->int64(0)};
}

Result<std::int64_t> create(Impl& s, std::string_view name, const Hash& set_hash,
                            std::span<const BundleMember> members, std::string_view doing) {
  const std::int64_t now = s.now();
  if (auto r =
          run(s,
              "INSERT INTO __cas_bundle(name, set_hash, created_at, last_used_at)"
              " VALUES(?1, ?2, ?3, ?3)",
              doing, [&](auto& st) { st.bind_text(1, name).bind_hash(2, set_hash).bind(3, now); });
      !r.ok()) {
    return r.error();
  }
  const std::int64_t id = sqlite3_last_insert_rowid(s.db.get());
  for (const auto& m : members) {
    if (auto r = run(s,
                     "INSERT INTO __cas_bundle_member(bundle_id, extension_name, content_hash)"
                     " VALUES(?1, ?2, ?3)",
                     doing,
                     [&](auto& st) {
                       st.bind(1, id).bind_text(2, m.extension_name).bind_hash(3, m.content_hash);
                     });
        !r.ok()) {
      return r.error();
    }
  }
  return id;
}

}  // namespace

Result<BundleSaveOutcome> bundle_save(CasStore& store, std::string_view name,
                                      std::span<const BundleMember> members) {
  auto impl = cas_detail::impl_of(store);
  if (!impl.ok()) return std::move(impl).error();
  Impl& s = **impl;
  if (auto r = check_bundle_name(name); !r.ok()) return r.error();
  if (auto r = check_members(name, members); !r.ok()) return r.error();
  if (auto r = s.require_writable("save a bundle"); !r.ok()) return r.error();
  const Hash set_hash = bundle_set_hash(members);
  const std::string doing = s.shown() + ": cannot save bundle " + quoted(name);
  auto txn = cas_detail::WriteTxn::begin(s.db, doing);
  if (!txn.ok()) return std::move(txn).error();
  if (auto r = require_stored(s, name, members, doing); !r.ok()) return r.error();

  // mutate: next-line lit.int.one: every branch that goes on sets outcome.id
  BundleSaveOutcome outcome{BundleSaveOutcome::Kind::created, 0, set_hash};
  auto named = bundle_detail::id_by_name(s, name);
  if (!named.ok()) return std::move(named).error();
  auto same_set = id_by_set(s, set_hash, doing);
  if (!same_set.ok()) return std::move(same_set).error();
  if (*named) {
    if (*same_set != *named) {
      auto bound = bundle_detail::load_info(s, **named);
      if (!bound.ok()) return std::move(bound).error();
      return Error::make(Errc::conflict,
                         "bundle " + quoted(name) + " is already bound to " +
                             cas_detail::short_hex(bound->set_hash),
                         name, ".bundle delete it first, or save under another name");
    }
    outcome.kind = BundleSaveOutcome::Kind::touched;
    outcome.id = **named;
  } else if (*same_set) {
    outcome.kind = BundleSaveOutcome::Kind::aliased;
    outcome.id = **same_set;
  } else {
    auto id = create(s, name, set_hash, members, doing);
    if (!id.ok()) return std::move(id).error();
    outcome.id = *id;
  }
  const std::int64_t now = s.now();
  if (outcome.kind != BundleSaveOutcome::Kind::touched) {
    if (auto r =
            run(s, "INSERT INTO __cas_bundle_alias(name, bundle_id, created_at) VALUES(?1, ?2, ?3)",
                doing, [&](auto& st) { st.bind_text(1, name).bind(2, outcome.id).bind(3, now); });
        !r.ok()) {
      return r.error();
    }
  }
  if (auto r = run(s, "UPDATE __cas_bundle SET last_used_at = max(last_used_at, ?2) WHERE id = ?1",
                   doing, [&](auto& st) { st.bind(1, outcome.id).bind(2, now); });
      !r.ok()) {
    return r.error();
  }
  if (auto r = txn->commit(doing); !r.ok()) return r.error();
  return outcome;
}

}  // namespace sqlink
