// Builds the 10k-bundle store: one artifact, then per bundle a save (a write transaction) and
// an alias. Hash prefixes that collide with another bundle's are lengthened until they do not.
#include "bundle_store.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>

#include "scratch.hpp"
#include "sqlink/bundle.hpp"
#include "sqlink/cas.hpp"

namespace sqlink::bench {
namespace {

[[noreturn]] void fail(const char* doing, const Error& e) {
  std::fprintf(stderr, "sqlink_bench: bundle store: %s: %s\n", doing, e.message.c_str());
  std::abort();
}

std::string numbered(const char* stem, std::size_t i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s-%05zu", stem, i);
  return buf;
}

BundleStore build(const std::string& dir) {
  const auto start = std::chrono::steady_clock::now();
  BundleStore out;
  out.path = dir + "/bundles.sqlite";
  auto store = CasStore::open(out.path);
  if (!store.ok()) fail("open", store.error());
  auto artifact = store->put(random_bytes(4096, 7));
  if (!artifact.ok()) fail("put", artifact.error());
  std::vector<std::string> hex;
  for (std::size_t i = 0; i < kBundles; ++i) {
    out.names.push_back(numbered("bundle", i));
    out.aliases.push_back(numbered("alias", i));
    const BundleMember member{numbered("ext", i), *artifact};
    auto saved = bundle_save(*store, out.names.back(), std::span(&member, 1));
    if (!saved.ok()) fail("save", saved.error());
    if (auto a = bundle_alias(*store, out.names.back(), out.aliases.back()); !a.ok()) {
      fail("alias", a.error());
    }
    hex.push_back(saved->set_hash.hex());
  }
  std::vector<std::string> sorted = hex;
  std::sort(sorted.begin(), sorted.end());
  for (const std::string& h : hex) {
    std::size_t len = 12;
    // The neighbours in sorted order are the only candidates for a shared prefix.
    const auto it = std::lower_bound(sorted.begin(), sorted.end(), h);
    const auto shared = [&](const std::string& other) {
      std::size_t n = 0;
      while (n < h.size() && h[n] == other[n]) ++n;
      return n;
    };
    if (it != sorted.begin()) len = std::max(len, shared(*(it - 1)) + 1);
    if (it + 1 != sorted.end()) len = std::max(len, shared(*(it + 1)) + 1);
    out.hash_prefixes.push_back(h.substr(0, len));
  }
  if (auto f = store->flush(); !f.ok()) fail("flush", f.error());
  out.build_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

}  // namespace

const BundleStore& bundle_store() {
  static ScratchDir dir("bundles");
  static const BundleStore store = build(dir.path());
  return store;
}

const std::vector<std::size_t>& lookup_order() {
  static const std::vector<std::size_t> order = [] {
    std::vector<std::size_t> v(kBundles);
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = i;
    std::shuffle(v.begin(), v.end(), std::mt19937_64(42));
    return v;
  }();
  return order;
}

}  // namespace sqlink::bench
