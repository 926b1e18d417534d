// Baked binaries of a bundle, one per target triple: recorded by a build step, looked up by
// the runner. The path is stored as given; the runner re-validates it before use.
#include <string>

#include "bundle/internal.hpp"
#include "sqlink/limits.hpp"

namespace sqlink {
namespace {

std::optional<Error> check_binary_path(std::string_view path) {
  if (path.empty()) return Error::make(Errc::missing_argument, "the binary path is empty");
  for (unsigned char c : path) {
    if (c < 0x20 || c == 0x7f) {
      return Error::make(Errc::control_character,
                         "binary path " + quoted(path) + " contains a NUL or control byte", path);
    }
  }
  if (path.size() > limits::kMaxPathBytes) {
    return Error::make(Errc::too_long,
                       "binary path " + quoted(path) + " is longer than " +
                           std::to_string(limits::kMaxPathBytes) + " bytes",
                       path);
  }
  return std::nullopt;
}

}  // namespace

Result<void> bundle_record_binary(CasStore& store, std::string_view ref,
                                  std::string_view target_triple, std::string_view binary_path) {
  auto impl = cas_detail::impl_of(store);
  if (!impl.ok()) return std::move(impl).error();
  auto& s = **impl;
  if (auto r = bundle_detail::check_triple(target_triple); !r.ok()) return r;
  if (auto bad = check_binary_path(binary_path)) return *bad;
  if (auto r = s.require_writable("record a bundle binary"); !r.ok()) return r;
  const std::string doing = s.shown() + ": cannot record a binary for bundle " + quoted(ref);
  auto txn = cas_detail::WriteTxn::begin(s.db, doing);
  if (!txn.ok()) return std::move(txn).error();
  auto id = bundle_detail::find_id(s, ref);
  if (!id.ok()) return std::move(id).error();
  if (auto r = bundle_detail::run(
          s,
          "INSERT INTO __cas_bundle_binary(bundle_id, target_triple, binary_path, built_at)"
          " VALUES(?1, ?2, ?3, ?4) ON CONFLICT(bundle_id, target_triple) DO UPDATE SET"
          " binary_path = excluded.binary_path, built_at = excluded.built_at",
          doing,
          [&](auto& st) {
            st.bind(1, *id).bind_text(2, target_triple).bind_text(3, binary_path).bind(4, s.now());
          });
      !r.ok()) {
    return r;
  }
  return txn->commit(doing);
}

Result<BundleBinary> bundle_find_binary(CasStore& store, std::string_view ref,
                                        std::string_view target_triple) {
  auto impl = cas_detail::impl_of(store);
  if (!impl.ok()) return std::move(impl).error();
  auto& s = **impl;
  if (auto r = bundle_detail::check_triple(target_triple); !r.ok()) return r.error();
  const std::string doing = s.shown() + ": cannot look up a binary for bundle " + quoted(ref);
  auto txn = cas_detail::ReadTxn::begin(s.db, doing);
  if (!txn.ok()) return std::move(txn).error();
  auto id = bundle_detail::find_id(s, ref);
  if (!id.ok()) return std::move(id).error();
  auto stmt = s.db.prepare(
      "SELECT binary_path, built_at FROM __cas_bundle_binary"
      " WHERE bundle_id = ?1 AND target_triple = ?2",
      doing);
  if (!stmt.ok()) return std::move(stmt).error();
  stmt->bind(1, *id).bind_text(2, target_triple);
  auto row = stmt->step(doing);
  if (!row.ok()) return std::move(row).error();
  if (!*row) {
    return Error::make(
        Errc::not_found,
        "bundle " + quoted(ref) + " has no binary for target " + quoted(target_triple),
        target_triple, ".bundle build " + sanitize(ref) + " --target " + sanitize(target_triple));
  }
  return BundleBinary{std::string(target_triple), std::string(stmt->text(0)), stmt->int64(1)};
}

}  // namespace sqlink
