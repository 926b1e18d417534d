// What makes a bundle itself: its set_hash over the sorted members, and the rules for names
// and target triples. Pure functions; no store involved.
#include <algorithm>
#include <vector>

#include "bundle/internal.hpp"
#include "sqlink/bundle.hpp"
#include "sqlink/limits.hpp"

namespace sqlink {

Hash bundle_set_hash(std::span<const BundleMember> members) {
  std::vector<const BundleMember*> sorted;
  // mutate: next-line call.void.remove: capacity only; the vector is local
  sorted.reserve(members.size());
  for (const auto& m : members) sorted.push_back(&m);
  std::sort(sorted.begin(), sorted.end(), [](const BundleMember* a, const BundleMember* b) {
    return a->extension_name < b->extension_name;
  });
  Sha256 h;
  for (const auto* m : sorted) {
    h.update(m->extension_name);
    h.update("\n");
    h.update(m->content_hash.hex());
    h.update("\n");
  }
  return h.finish();
}

Result<void> check_bundle_name(std::string_view name) {
  if (name.empty()) return Error::make(Errc::missing_argument, "the bundle name is empty");
  if (name.size() > limits::kMaxNameBytes) {
    return Error::make(Errc::too_long,
                       "name " + quoted(name) + " is " + std::to_string(name.size()) +
                           " bytes; the limit is " + std::to_string(limits::kMaxNameBytes),
                       name);
  }
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f) {
      return Error::make(Errc::control_character,
                         "name " + quoted(name) + " contains a NUL or control byte", name);
    }
  }
  return {};
}

namespace bundle_detail {

Result<void> check_triple(std::string_view triple) {
  const std::string named = "target triple " + quoted(triple);
  if (triple.empty()) return Error::make(Errc::invalid_value, named + " is empty", triple);
  if (triple.size() > limits::kMaxTripleBytes) {
    return Error::make(
        Errc::too_long,
        named + " is longer than " + std::to_string(limits::kMaxTripleBytes) + " bytes", triple);
  }
  for (char c : triple) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return Error::make(Errc::invalid_value, named + " must match [a-z0-9_-]+", triple);
  }
  return {};
}

}  // namespace bundle_detail
}  // namespace sqlink
