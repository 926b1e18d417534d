// Bundles: named sets of (extension_name, content_hash), kept in the CAS file beside the bytes.
// A bundle's identity is its set_hash; names are aliases of it, each bound to exactly one set.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sqlink/cas.hpp"
#include "sqlink/error.hpp"
#include "sqlink/hash.hpp"

namespace sqlink {

struct BundleMember {
  std::string extension_name;
  Hash content_hash;
  friend bool operator==(const BundleMember&, const BundleMember&) = default;
};

// SHA-256 of "{name}\n{hex}\n" for each member, concatenated in byte order of the names.
// The order the members are given in does not matter.
Hash bundle_set_hash(std::span<const BundleMember> members);

// Bundle and extension names: 1..limits::kMaxNameBytes bytes, no control byte or NUL.
Result<void> check_bundle_name(std::string_view name);

struct BundleInfo {
  std::int64_t id = 0;
  std::string name;                  // display hint: the first name it was saved under
  std::vector<std::string> aliases;  // every name bound to it, sorted
  Hash set_hash;
  std::uint64_t member_count = 0;
  std::int64_t created_at = 0;    // unix seconds
  std::int64_t last_used_at = 0;  // includes uses not yet flushed
};

struct BundleBinary {
  std::string target_triple;
  std::string binary_path;
  std::int64_t built_at = 0;
  friend bool operator==(const BundleBinary&, const BundleBinary&) = default;
};

struct BundleDetail {
  BundleInfo info;
  std::vector<BundleMember> members;  // by extension name
  std::vector<std::string> missing;   // members whose bytes are not in the CAS
  std::vector<BundleBinary> binaries;
};

struct BundleSaveOutcome {
  enum class Kind {
    created,  // a new set, bound to the name
    touched,  // the name already meant this set; last_used_at refreshed
    aliased,  // the set existed under other names and gained this one
  };
  Kind kind = Kind::created;
  std::int64_t id = 0;
  Hash set_hash;
};

// Saves `members` as bundle `name`. Every member must be in the CAS (not_found names the
// extension); names must be unique. The name bound to a different set is Errc::conflict
// ("bundle 'X' is already bound to 1a2b3c4d5e6f...").
Result<BundleSaveOutcome> bundle_save(CasStore& store, std::string_view name,
                                      std::span<const BundleMember> members);

// Resolves a reference: an exact name first, else a set_hash prefix of 1..kMaxHashBytes hex
// digits (either case). No match is not_found; several are Errc::ambiguous. Does not look at
// the members' bytes; bundle_resolve() does.
Result<BundleInfo> bundle_find(CasStore& store, std::string_view ref);
// bundle_find() plus members, missing members and binaries.
Result<BundleDetail> bundle_show(CasStore& store, std::string_view ref);
// bundle_show() that also requires every member's bytes to be in the CAS: a missing one is
// not_found naming the extension and how to add it. Counts as a use of the bundle.
Result<BundleDetail> bundle_resolve(CasStore& store, std::string_view ref);

// Binds new_name to the bundle old_ref refers to. Binding a name to the bundle it already
// names is a no-op; a name bound elsewhere is Errc::conflict.
Result<void> bundle_alias(CasStore& store, std::string_view old_ref, std::string_view new_name);
// Removes one name. The last name of a bundle cannot be removed (Errc::conflict): delete the
// bundle instead, so a set never lingers without a way to name it.
Result<void> bundle_unalias(CasStore& store, std::string_view name);
// Deletes the bundle a name (not a hash prefix) refers to, with all its names, members and
// binaries. Artifacts stay until the CAS gc finds them unreferenced.
Result<BundleInfo> bundle_delete(CasStore& store, std::string_view name);

Result<std::vector<BundleInfo>> bundle_list(CasStore& store);  // by name

// A bundle survives gc if it is among the `keep` most recently used, or if it was used within
// `older_than`. At least one of the two must be given (invalid_value otherwise); with both, a
// bundle is removed only when both would remove it.
struct BundleGcPolicy {
  std::optional<std::uint64_t> keep;
  std::optional<std::chrono::seconds> older_than;
};
Result<std::vector<BundleInfo>> bundle_gc(CasStore& store, const BundleGcPolicy& policy);

// Records where a build step put the binary baked for `target_triple` ([a-z0-9_-]+); a second
// record for the same triple replaces the first.
Result<void> bundle_record_binary(CasStore& store, std::string_view ref,
                                  std::string_view target_triple, std::string_view binary_path);
// The binary recorded for the triple; not_found when none is. The caller re-validates the
// path before running it.
Result<BundleBinary> bundle_find_binary(CasStore& store, std::string_view ref,
                                        std::string_view target_triple);

}  // namespace sqlink
