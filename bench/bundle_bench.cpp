// Bundle resolution (bundle.hpp) on a store of 10k bundles: bundle_resolve() by name, by alias
// and by set_hash prefix (the prefix path scans every bundle), and bundle_find() by name alone.
// Each sample looks up the next bundle of a fixed shuffled order.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bundle_store.hpp"
#include "percentiles.hpp"
#include "sqlink/bundle.hpp"
#include "sqlink/cas.hpp"
#include "suite.hpp"

namespace sqlink::bench {
namespace {

CasStore& store() {
  static CasStore s = [] {
    auto opened = CasStore::open(bundle_store().path);
    if (!opened.ok()) {
      std::fprintf(stderr, "sqlink_bench: %s\n", opened.error().message.c_str());
      std::abort();
    }
    return std::move(opened).value();
  }();
  return s;
}

enum class By { name, alias, hash_prefix };

const std::vector<std::string>& refs(By by) {
  const BundleStore& b = bundle_store();
  return by == By::name ? b.names : by == By::alias ? b.aliases : b.hash_prefixes;
}

template <class Lookup>
void add_lookup(const std::string& name, By by, Lookup lookup, const char* note) {
  add(name, [=](benchmark::State& state) {
    const std::vector<std::string>& all = refs(by);
    const std::vector<std::size_t>& order = lookup_order();
    for (std::size_t i = 0; i < 64; ++i) {  // every ref of the first samples must resolve
      if (auto r = lookup(store(), all[order[i]]); !r.ok()) {
        std::fprintf(stderr, "sqlink_bench: %s %s: %s\n", name.c_str(), all[order[i]].c_str(),
                     r.error().message.c_str());
        std::abort();
      }
    }
    std::size_t next = 0;
    Sampler sampler(state, 1);
    for (auto _ : state) {
      const std::string& ref = all[order[next++ % order.size()]];
      auto op = [&lookup, &ref] { return lookup(store(), ref).ok(); };
      sampler.time(op);
    }
    sampler.publish(std::string(note) + "; " + std::to_string(kBundles) + " bundles");
  });
}

void register_bundle() {
  const auto resolve = [](CasStore& s, const std::string& ref) { return bundle_resolve(s, ref); };
  const auto find = [](CasStore& s, const std::string& ref) { return bundle_find(s, ref); };
  add_lookup("bundle/resolve/name", By::name, resolve, "bundle_resolve");
  add_lookup("bundle/resolve/alias", By::alias, resolve, "bundle_resolve");
  add_lookup("bundle/resolve/hash_prefix", By::hash_prefix, resolve, "bundle_resolve");
  add_lookup("bundle/find/name", By::name, find, "bundle_find");
}

SQLINK_BENCH_SUITE(register_bundle);

}  // namespace
}  // namespace sqlink::bench
