// Capabilities: what a session grants (--grant) and what an extension declares it needs.
// check_grants(granted, declared) succeeds iff declared is a subset of granted.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sqlink/error.hpp"

namespace sqlink {

// X(enumerator, name, meaning). Declared once: parsing, printing and help come from here.
#define SQLINK_CAPABILITY_TABLE(X)                                                  \
  X(fs_read, "fs-read", "read files outside the cache")                             \
  X(fs_write, "fs-write", "write files outside the cache")                          \
  X(net, "net", "fetch artifacts over https")                                       \
  X(spawn_build, "spawn-build", "build bundles by running a child process")         \
  X(hooks, "hooks", "set single-slot hooks (authorizer, update, commit, wal)")      \
  X(native, "native", "load native code from a path outside the cache")

enum class Capability : std::uint8_t {
#define SQLINK_X(id, name, meaning) id,
  SQLINK_CAPABILITY_TABLE(SQLINK_X)
#undef SQLINK_X
};

std::string_view capability_name(Capability c) noexcept;
std::string_view capability_meaning(Capability c) noexcept;
// Every capability, in table order.
const std::vector<Capability>& all_capabilities();

// A set of capabilities; iteration and printing follow table order.
class CapabilitySet {
 public:
  CapabilitySet() = default;
  void insert(Capability c) noexcept { bits_ |= bit(c); }
  bool contains(Capability c) const noexcept { return (bits_ & bit(c)) != 0; }
  bool empty() const noexcept { return bits_ == 0; }
  bool subset_of(const CapabilitySet& other) const noexcept { return (bits_ & ~other.bits_) == 0; }
  std::vector<Capability> members() const;
  std::uint32_t bits() const noexcept { return bits_; }
  friend bool operator==(const CapabilitySet&, const CapabilitySet&) = default;

 private:
  static std::uint32_t bit(Capability c) noexcept { return 1u << static_cast<unsigned>(c); }
  std::uint32_t bits_ = 0;
};

// "a,b,c" -> set. Empty items, unknown names (with a suggestion) and control bytes are errors.
Result<CapabilitySet> parse_capabilities(std::string_view list);
// The canonical comma-separated list, table order; "" for the empty set.
std::string format_capabilities(const CapabilitySet& set);
// Ok iff declared is a subset of granted; otherwise permission_denied naming what is missing.
Result<void> check_grants(const CapabilitySet& granted, const CapabilitySet& declared);

}  // namespace sqlink
