// The 10k-bundle store shared by the bundle and statement benchmarks: built once per run in a
// scratch directory, every bundle with one member, a name and an alias.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace sqlink::bench {

inline constexpr std::size_t kBundles = 10000;

struct BundleStore {
  std::string path;                      // the CAS file
  std::vector<std::string> names;        // "bundle-00042", the name each was saved under
  std::vector<std::string> aliases;      // "alias-00042", a second name of the same bundle
  std::vector<std::string> hash_prefixes;  // 12 hex digits of each set_hash, unambiguous
  double build_seconds = 0;
};

// Builds the store on first use (a few seconds); aborts with a message if it cannot.
const BundleStore& bundle_store();

// A fixed pseudo-random order of bundle indexes, so lookups do not walk the B-tree in order.
const std::vector<std::size_t>& lookup_order();

}  // namespace sqlink::bench
