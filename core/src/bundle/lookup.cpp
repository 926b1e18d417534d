// Finding bundles by exact name, else by set_hash prefix (validated hex compared with substr(), so
// LIKE wildcards cannot reach the query; several matches are ambiguous), and reading one back.
#include <algorithm>
#include <cctype>
#include <string>

#include "bundle/internal.hpp"
#include "sqlink/limits.hpp"

namespace sqlink::bundle_detail {
namespace {

bool is_hex(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isxdigit(c) != 0; });
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

Result<std::int64_t> find_by_prefix(Impl& s, std::string_view ref) {
  const std::string doing = s.shown() + ": cannot look up bundle " + quoted(ref);
  auto stmt = s.db.prepare(
      "SELECT id FROM __cas_bundle WHERE substr(hex(set_hash), 1, ?2) = ?1 ORDER BY id", doing);
  if (!stmt.ok()) return std::move(stmt).error();
  stmt->bind_text(1, upper(ref)).bind(2, static_cast<std::int64_t>(ref.size()));
  std::vector<std::int64_t> ids;
  for (;;) {
    auto row = stmt->step(doing);
    if (!row.ok()) return std::move(row).error();
    if (!*row) break;
    ids.push_back(stmt->int64(0));
  }
  if (ids.size() == 1) return ids.front();
  if (ids.empty()) {
    return Error::make(Errc::not_found,
                       "no bundle is named " + quoted(ref) + " and no set_hash starts with it", ref,
                       ".bundle list shows the bundles");
  }
  return Error::make(Errc::ambiguous,
                     "ambiguous hash prefix " + quoted(ref) + " matching " +
                         std::to_string(ids.size()) + " bundles",
                     ref, "give more digits, or use a name");
}

}  // namespace

Result<std::optional<std::int64_t>> id_by_name(Impl& s, std::string_view name) {
  const std::string doing = s.shown() + ": cannot look up bundle " + quoted(name);
  auto stmt = s.db.prepare("SELECT bundle_id FROM __cas_bundle_alias WHERE name = ?1", doing);
  if (!stmt.ok()) return std::move(stmt).error();
  stmt->bind_text(1, name);
  auto row = stmt->step(doing);
  if (!row.ok()) return std::move(row).error();
  if (!*row) return std::optional<std::int64_t>{};
  return std::optional<std::int64_t>{stmt->int64(0)};
}

Result<std::int64_t> find_id(Impl& s, std::string_view ref) {
  if (ref.empty()) return Error::make(Errc::missing_argument, "the bundle reference is empty");
  if (auto bad = check_bundle_name(ref); !bad.ok()) return bad.error();
  auto named = id_by_name(s, ref);
  if (!named.ok()) return std::move(named).error();
  if (*named) return **named;
  if (is_hex(ref) && ref.size() <= limits::kMaxHashBytes) return find_by_prefix(s, ref);
  return Error::make(Errc::not_found, "no bundle is named " + quoted(ref), ref,
                     ".bundle list shows the bundles");
}

Result<std::vector<BundleMember>> members_of(Impl& s, std::int64_t id) {
  const std::string doing = s.shown() + ": cannot read bundle members";
  auto stmt = s.db.prepare(
      "SELECT extension_name, content_hash FROM __cas_bundle_member WHERE bundle_id = ?1"
      " ORDER BY extension_name",
      doing);
  if (!stmt.ok()) return std::move(stmt).error();
  stmt->bind(1, id);
  std::vector<BundleMember> members;
  for (;;) {
    auto row = stmt->step(doing);
    if (!row.ok()) return std::move(row).error();
    if (!*row) return members;
    auto hash = Hash::from_bytes(stmt->blob(1));
    if (!hash.ok()) {
      return Error::make(Errc::corrupt, s.shown() + ": bundle member " + quoted(stmt->text(0)) +
                                            " has a malformed content hash");
    }
    members.push_back({std::string(stmt->text(0)), *hash});
  }
}

Result<BundleInfo> load_info(Impl& s, std::int64_t id) {
  const std::string doing = s.shown() + ": cannot read bundle";
  BundleInfo info;
  {
    auto stmt = s.db.prepare(
        "SELECT coalesce(name, ''), set_hash, created_at, last_used_at,"
        " (SELECT count(*) FROM __cas_bundle_member WHERE bundle_id = ?1)"
        " FROM __cas_bundle WHERE id = ?1",
        doing);
    if (!stmt.ok()) return std::move(stmt).error();
    stmt->bind(1, id);
    auto row = stmt->step(doing);
    if (!row.ok()) return std::move(row).error();
    if (!*row)
      return Error::make(Errc::not_found, s.shown() + " has no bundle #" + std::to_string(id));
    auto set_hash = Hash::from_bytes(stmt->blob(1));
    if (!set_hash.ok()) {
      return Error::make(Errc::corrupt, s.shown() + ": bundle #" + std::to_string(id) +
                                            " has a malformed set_hash");
    }
    info.id = id;
    info.name = std::string(stmt->text(0));
    info.set_hash = *set_hash;
    info.created_at = stmt->int64(2);
    info.last_used_at = stmt->int64(3);
    info.member_count = static_cast<std::uint64_t>(stmt->int64(4));
  }
  auto names =
      s.db.prepare("SELECT name FROM __cas_bundle_alias WHERE bundle_id = ?1 ORDER BY name", doing);
  if (!names.ok()) return std::move(names).error();
  names->bind(1, id);
  for (;;) {
    auto row = names->step(doing);
    if (!row.ok()) return std::move(row).error();
    if (!*row) break;
    info.aliases.emplace_back(names->text(0));
  }
  if (auto hit = s.bundle_hits.find(id); hit != s.bundle_hits.end()) {
    info.last_used_at = std::max(info.last_used_at, hit->second);
  }
  return info;
}

}  // namespace sqlink::bundle_detail

namespace sqlink {
namespace {

using bundle_detail::Impl;

Result<std::vector<BundleBinary>> binaries_of(Impl& s, std::int64_t id) {
  const std::string doing = s.shown() + ": cannot read bundle binaries";
  auto stmt = s.db.prepare(
      "SELECT target_triple, binary_path, built_at FROM __cas_bundle_binary WHERE bundle_id = ?1"
      " ORDER BY target_triple",
      doing);
  if (!stmt.ok()) return std::move(stmt).error();
  stmt->bind(1, id);
  std::vector<BundleBinary> out;
  for (;;) {
    auto row = stmt->step(doing);
    if (!row.ok()) return std::move(row).error();
    if (!*row) return out;
    out.push_back({std::string(stmt->text(0)), std::string(stmt->text(1)), stmt->int64(2)});
  }
}

Result<BundleDetail> detail(Impl& s, std::string_view ref) {
  auto txn = cas_detail::ReadTxn::begin(s.db, s.shown() + ": cannot read bundles");
  if (!txn.ok()) return std::move(txn).error();
  auto id = bundle_detail::find_id(s, ref);
  if (!id.ok()) return std::move(id).error();
  auto info = bundle_detail::load_info(s, *id);
  if (!info.ok()) return std::move(info).error();
  auto members = bundle_detail::members_of(s, *id);
  if (!members.ok()) return std::move(members).error();
  auto binaries = binaries_of(s, *id);
  if (!binaries.ok()) return std::move(binaries).error();
  BundleDetail out{std::move(*info), std::move(*members), {}, std::move(*binaries)};
  const std::string doing = s.shown() + ": cannot look up bundle members";
  for (const auto& m : out.members) {
    auto stmt = s.db.prepare("SELECT 1 FROM __cas_artifact WHERE hash = ?1", doing);
    if (!stmt.ok()) return std::move(stmt).error();
    stmt->bind_hash(1, m.content_hash);
    auto row = stmt->step(doing);
    if (!row.ok()) return std::move(row).error();
    if (!*row) out.missing.push_back(m.extension_name);
  }
  return out;
}

// "extension 'a' (sha256:1a2b...)" for the first missing member, and how many more there are.
Error missing_members(std::string_view ref, const BundleDetail& d) {
  const auto& first = d.missing.front();
  const auto it = std::find_if(d.members.begin(), d.members.end(),
                               [&](const BundleMember& m) { return m.extension_name == first; });
  std::string message = "bundle " + quoted(ref) + ": extension " + quoted(first) +
                        " (sha256:" + cas_detail::short_hex(it->content_hash) +
                        ") is not in the cache";
  // mutate: next-line rel.gt.ne: missing_members is only called with at least one missing member (it reads front())
  if (d.missing.size() > 1) {
    message += ", nor are " + std::to_string(d.missing.size() - 1) + " more";
    // mutate: next-line rel.lt.ne: i steps by one from 1, and 1 <= d.missing.size() in this branch
    for (std::size_t i = 1; i < d.missing.size() && i < 4; ++i)
      message += " " + quoted(d.missing[i]);
  }
  return Error::make(Errc::not_found, std::move(message), first,
                     ".load the extension again, then .bundle save " + sanitize(ref));
}

}  // namespace

Result<BundleInfo> bundle_find(CasStore& store, std::string_view ref) {
  auto impl = cas_detail::impl_of(store);
  if (!impl.ok()) return std::move(impl).error();
  auto txn = cas_detail::ReadTxn::begin((*impl)->db, (*impl)->shown() + ": cannot read bundles");
  if (!txn.ok()) return std::move(txn).error();
  auto id = bundle_detail::find_id(**impl, ref);
  if (!id.ok()) return std::move(id).error();
  return bundle_detail::load_info(**impl, *id);
}

Result<BundleDetail> bundle_show(CasStore& store, std::string_view ref) {
  auto impl = cas_detail::impl_of(store);
  if (!impl.ok()) return std::move(impl).error();
  return detail(**impl, ref);
}

Result<BundleDetail> bundle_resolve(CasStore& store, std::string_view ref) {
  auto impl = cas_detail::impl_of(store);
  if (!impl.ok()) return std::move(impl).error();
  auto d = detail(**impl, ref);
  if (!d.ok()) return d;
  if (!d->missing.empty()) return missing_members(ref, *d);
  (*impl)->record_bundle_hit(d->info.id);
  d->info.last_used_at = std::max(d->info.last_used_at, (*impl)->now());
  return d;
}

}  // namespace sqlink
