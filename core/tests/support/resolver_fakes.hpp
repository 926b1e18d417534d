// Test support: doubles for the resolver's collaborators — a FakeTransport that answers from a
// table and records every call, and a MemoryStore that can be told to hold a corrupt blob.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "sqlink/error.hpp"
#include "sqlink/hash.hpp"
#include "sqlink/resolver.hpp"
#include "sqlink/transport.hpp"

namespace sqlink::testing {

class FakeTransport final : public Transport {
 public:
  void respond(std::string url, std::string body) { table_[std::move(url)] = std::move(body); }
  void fail(std::string url, Error error) { table_[std::move(url)] = std::move(error); }

  Result<FetchResult> fetch(std::string_view url, const FetchLimits& limits) override {
    calls.emplace_back(url);
    last_limits = limits;
    const auto it = table_.find(url);
    if (it == table_.end()) {
      return Error::make(Errc::network_error,
                         "fetching " + quoted(url) + " failed: HTTP status 404 (no fake route)", url);
    }
    if (const auto* error = std::get_if<Error>(&it->second)) return *error;
    return FetchResult{std::get<std::string>(it->second), std::string(url), 200, 0};
  }

  std::size_t call_count(std::string_view url) const {
    std::size_t n = 0;
    for (const auto& call : calls) n += call == url ? 1 : 0;
    return n;
  }

  std::vector<std::string> calls;
  std::optional<FetchLimits> last_limits;

 private:
  std::map<std::string, std::variant<std::string, Error>, std::less<>> table_;
};

class MemoryStore final : public ArtifactStore {
 public:
  Result<std::optional<std::string>> get(const Hash& hash) override {
    ++gets;
    if (get_error) return *get_error;
    const auto it = blobs.find(hash);
    if (it == blobs.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }
  Result<std::optional<Hash>> lookup_uri(std::string_view uri) override {
    const auto it = uris.find(uri);
    if (it == uris.end()) return std::optional<Hash>();
    return std::optional<Hash>(it->second);
  }
  Result<Hash> put(std::string_view bytes) override {
    ++puts;
    if (put_error) return *put_error;
    const Hash hash = sha256(bytes);
    blobs[hash] = std::string(bytes);
    return hash;
  }
  Result<void> bind_uri(std::string_view uri, const Hash& hash) override {
    ++binds;
    uris[std::string(uri)] = hash;
    return {};
  }

  // Stores `bytes` under `hash` whether or not they match it: a corrupt blob.
  void plant(const Hash& hash, std::string bytes) { blobs[hash] = std::move(bytes); }
  Hash add(std::string_view bytes) {
    const Hash hash = sha256(bytes);
    blobs[hash] = std::string(bytes);
    return hash;
  }

  std::map<Hash, std::string> blobs;
  std::map<std::string, Hash, std::less<>> uris;
  std::optional<Error> get_error;
  std::optional<Error> put_error;
  int gets = 0, puts = 0, binds = 0;
};

}  // namespace sqlink::testing
