// The content-addressed store (cas.hpp) at 1 KiB, 64 KiB and 1 MiB: put of bytes it has not
// seen (the first 8 bytes carry a counter; an untimed gc every 32 puts keeps the file small),
// get+verify (read back and re-hash), and the peer: OpenSSL's SHA-256 of the same bytes alone.
// Also contains() with the store's statement cache on and off (CasOptions::cache_statements).
#include <openssl/evp.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>

#include "percentiles.hpp"
#include "scratch.hpp"
#include "sqlink/cas.hpp"
#include "suite.hpp"

namespace sqlink::bench {
namespace {

struct Size {
  const char* name;
  std::size_t bytes;
};
constexpr Size kSizes[] = {{"1KiB", 1024}, {"64KiB", 64 * 1024}, {"1MiB", 1024 * 1024}};

template <class T>
T must(Result<T> r, const char* doing) {
  if (!r.ok()) {
    std::fprintf(stderr, "sqlink_bench: cas: %s: %s\n", doing, r.error().message.c_str());
    std::abort();
  }
  return std::move(r).value();
}

CasStore open_store(const std::string& path, bool cache_statements = true) {
  CasOptions options;
  options.cache_statements = cache_statements;
  return must(CasStore::open(path, options), "open");
}

ScratchDir& scratch() {
  static ScratchDir dir("cas");
  return dir;
}

// The get store: one artifact per size, never collected.
struct GetStore {
  CasStore store = open_store(scratch().path() + "/get.sqlite");
  std::string bytes[std::size(kSizes)];
  Hash hashes[std::size(kSizes)];
  GetStore() {
    for (std::size_t i = 0; i < std::size(kSizes); ++i) {
      bytes[i] = random_bytes(kSizes[i].bytes, static_cast<unsigned>(i + 1));
      hashes[i] = must(store.put(bytes[i]), "put");
    }
  }
};

GetStore& get_store() {
  static GetStore s;
  return s;
}

bool bare_sha256(const std::string& bytes) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  return EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha256(), nullptr) == 1 && len == 32;
}

void register_cas() {
  for (std::size_t i = 0; i < std::size(kSizes); ++i) {
    const std::string size = kSizes[i].name;
    const std::size_t batch = kSizes[i].bytes <= 1024 ? 4 : 1;
    add("cas/put/" + size, [i, size](benchmark::State& state) {
      static std::uint64_t counter = 0;  // across calls: every put stores new bytes
      const ScratchDir& dir = scratch();  // made first, so removed after the stores close
      static std::optional<CasStore> stores[std::size(kSizes)];
      if (!stores[i]) stores[i].emplace(open_store(dir.path() + "/put-" + size + ".sqlite"));
      CasStore& store = *stores[i];
      std::string bytes = random_bytes(kSizes[i].bytes, 100 + static_cast<unsigned>(i));
      Sampler sampler(state, 1);
      std::uint64_t since_gc = 0;
      for (auto _ : state) {
        ++counter;
        std::memcpy(bytes.data(), &counter, sizeof counter);
        auto op = [&] { return store.put(bytes).ok(); };
        sampler.time(op);
        if (++since_gc == 32) {
          since_gc = 0;
          must(store.gc(), "gc");
        }
      }
      must(store.gc(), "gc");
      state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(kSizes[i].bytes));
      sampler.publish("new bytes every call");
    });
    add("cas/get_verify/" + size, [i, batch](benchmark::State& state) {
      GetStore& g = get_store();
      if (must(g.store.get(g.hashes[i]), "get") != g.bytes[i]) std::abort();
      sample(state, batch, [&] { return g.store.get(g.hashes[i]).ok(); }, "read and re-hash");
      state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(batch) *
                              static_cast<std::int64_t>(kSizes[i].bytes));
    });
    add("cas/peer_sha256/" + size, [i, size, batch](benchmark::State& state) {
      const std::string& bytes = get_store().bytes[i];
      sample(state, batch, [&] { return bare_sha256(bytes); },
             "peer of cas/get_verify/" + size + ": OpenSSL EVP_Digest alone");
      state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(batch) *
                              static_cast<std::int64_t>(kSizes[i].bytes));
    });
  }
  for (const bool cached : {true, false}) {
    add(std::string("cas/contains/") + (cached ? "cached" : "uncached"),
        [cached](benchmark::State& state) {
          GetStore& g = get_store();
          static CasStore uncached = open_store(scratch().path() + "/get.sqlite", false);
          CasStore& s = cached ? g.store : uncached;
          if (!must(s.contains(g.hashes[0]), "contains")) std::abort();
          sample(state, 4, [&] { return s.contains(g.hashes[0]).ok(); },
                 cached ? "statement cache on" : "CasOptions::cache_statements = false");
        });
  }
}

SQLINK_BENCH_SUITE(register_cas);

}  // namespace
}  // namespace sqlink::bench
