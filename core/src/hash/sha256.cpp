// SHA-256 through OpenSSL's EVP interface, and the hex form of a hash.
// EVP picks the CPU's SHA extensions when present, which bounds verify-on-read cost.
#include <openssl/evp.h>

#include <cstdlib>

#include "sqlink/hash.hpp"

namespace sqlink {
namespace {

int hex_value(char c) {
  // mutate: next-line rel.ge.true: a byte below '0' then gives c - '0' < 0, which from_hex (the only caller) rejects like -1
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string Hash::hex() const {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(64, '0');
  // mutate: next-line rel.lt.ne: i steps by one from 0
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = kHex[bytes[i] >> 4];
    out[2 * i + 1] = kHex[bytes[i] & 0xf];
  }
  return out;
}

Result<Hash> Hash::from_hex(std::string_view hex) {
  Hash h;
  bool ok = hex.size() == 64;
  // mutate: next-line rel.lt.ne: i steps by one from 0
  for (std::size_t i = 0; ok && i < 32; ++i) {
    const int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
    ok = hi >= 0 && lo >= 0;
    if (ok) h.bytes[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  if (!ok) {
    return Error::make(Errc::invalid_value,
                       "invalid SHA-256 " + quoted(hex) + "; expected 64 hex digits", hex);
  }
  return h;
}

Result<Hash> Hash::from_bytes(std::string_view raw) {
  if (raw.size() != 32) {
    return Error::make(Errc::invalid_value,
                       "a SHA-256 is 32 bytes, got " + std::to_string(raw.size()) + " bytes",
                       std::to_string(raw.size()));
  }
  Hash h;
  // mutate: next-line rel.lt.ne: i steps by one from 0
  for (std::size_t i = 0; i < 32; ++i) h.bytes[i] = static_cast<std::uint8_t>(raw[i]);
  return h;
}

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  // Allocation failure of a few bytes here is not recoverable in any useful way.
  if (ctx_ == nullptr || EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), EVP_sha256(), nullptr) != 1) {
    std::abort();
  }
}

Sha256::~Sha256() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }

void Sha256::update(std::string_view data) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data.data(), data.size());
}

Hash Sha256::finish() {
  Hash h;
  // mutate: next-line lit.int.one: only written by EVP_DigestFinal_ex, never read
  unsigned int len = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), h.bytes.data(), &len);
  return h;
}

Hash sha256(std::string_view data) {
  Sha256 s;
  s.update(data);
  return s.finish();
}

}  // namespace sqlink
