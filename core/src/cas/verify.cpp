// verify(): re-hash every artifact and recompute every bundle's set_hash, reporting each bad
// row by hash and reason. One read transaction; nothing is written or repaired here.
#include <string>
#include <vector>

#include "cas/internal.hpp"
#include "sqlink/bundle.hpp"
#include "sqlink/cas.hpp"

namespace sqlink {
namespace {

std::string hex_of(std::string_view raw) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) {
    out += kHex[c >> 4];
    out += kHex[c & 0xf];
  }
  return out;
}

// Why an artifact row is bad, or nothing when it is good. Checks in order of severity.
std::optional<std::string> artifact_problem(std::string_view key, bool bytes_null,
                                            std::string_view bytes, std::int64_t bytes_len) {
  if (key.size() != 32) return "key is " + std::to_string(key.size()) + " bytes, not 32";
  if (bytes_null) return std::string("bytes are NULL");
  const Hash actual = sha256(bytes);
  if (actual.view() != key) {
    return "bytes hash to " + actual.hex() + ", not to the key";
  }
  if (bytes_len != static_cast<std::int64_t>(bytes.size())) {
    return "bytes_len is " + std::to_string(bytes_len) + " but " + std::to_string(bytes.size()) +
           " bytes are stored";
  }
  return std::nullopt;
}

Result<void> verify_artifacts(CasStore::Impl& s, CasVerifyReport& report, std::string_view doing) {
  auto stmt =
      s.db.prepare("SELECT hash, bytes, bytes_len FROM __cas_artifact ORDER BY hash", doing);
  if (!stmt.ok()) return std::move(stmt).error();
  for (;;) {
    auto row = stmt->step(doing);
    if (!row.ok()) return std::move(row).error();
    if (!*row) return {};
    ++report.artifacts_checked;
    const std::string_view key = stmt->blob(0);
    if (auto why = artifact_problem(key, stmt->is_null(1), stmt->blob(1), stmt->int64(2))) {
      report.problems.push_back({"artifact", hex_of(key), *why});
    }
  }
}

Result<void> verify_bundles(CasStore::Impl& s, CasVerifyReport& report, std::string_view doing) {
  auto bundles = s.db.prepare("SELECT id, set_hash FROM __cas_bundle ORDER BY id", doing);
  if (!bundles.ok()) return std::move(bundles).error();
  for (;;) {
    auto row = bundles->step(doing);
    if (!row.ok()) return std::move(row).error();
    if (!*row) return {};
    ++report.bundles_checked;
    const std::string stored(bundles->blob(1));
    auto members = s.db.prepare(
        "SELECT extension_name, content_hash FROM __cas_bundle_member WHERE bundle_id = ?1", doing);
    if (!members.ok()) return std::move(members).error();
    members->bind(1, bundles->int64(0));
    std::vector<BundleMember> set;
    std::optional<std::string> why;
    for (;;) {
      auto m = members->step(doing);
      if (!m.ok()) return std::move(m).error();
      if (!*m) break;
      auto hash = Hash::from_bytes(members->blob(1));
      if (!hash.ok()) {
        why = "member " + quoted(members->text(0)) + " has a malformed content hash";
        break;
      }
      set.push_back({std::string(members->text(0)), *hash});
    }
    if (!why && set.empty()) why = "has no members";
    if (!why && bundle_set_hash(set).view() != stored) {
      why = "set_hash does not match its members (they hash to " + bundle_set_hash(set).hex() + ")";
    }
    if (why) report.problems.push_back({"bundle", hex_of(stored), *why});
  }
}

}  // namespace

Result<CasVerifyReport> CasStore::verify() {
  auto impl = cas_detail::impl_of(*this);
  if (!impl.ok()) return std::move(impl).error();
  Impl& s = **impl;
  const std::string doing = s.shown() + ": cannot verify";
  auto txn = cas_detail::ReadTxn::begin(s.db, doing);
  if (!txn.ok()) return std::move(txn).error();
  CasVerifyReport report;
  if (auto r = verify_artifacts(s, report, doing); !r.ok()) return r.error();
  if (auto r = verify_bundles(s, report, doing); !r.ok()) return r.error();
  return report;
}

}  // namespace sqlink
