// SHA-256 content hashes: the identity of every artifact and bundle (OpenSSL underneath).
// Hex is lower case, 64 digits; parsing accepts either case.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "sqlink/error.hpp"

namespace sqlink {

struct Hash {
  std::array<std::uint8_t, 32> bytes{};

  std::string hex() const;
  std::string_view view() const noexcept {  // the 32 raw bytes, e.g. for binding as a BLOB
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
  }
  // Exactly 64 hex digits, either case; anything else is invalid_value naming the input.
  static Result<Hash> from_hex(std::string_view hex);
  // Exactly 32 raw bytes (a BLOB read back from SQLite); anything else is invalid_value.
  static Result<Hash> from_bytes(std::string_view raw);
  friend auto operator<=>(const Hash&, const Hash&) = default;
};

Hash sha256(std::string_view data);

// Incremental hashing, for data that arrives in pieces (downloads, files read in chunks).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(std::string_view data);
  Hash finish();  // the object may not be updated afterwards

 private:
  void* ctx_;  // EVP_MD_CTX, kept out of the public header
};

}  // namespace sqlink
