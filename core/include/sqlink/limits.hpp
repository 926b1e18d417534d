// Defensive limits of the sqlink library, declared once.
// Every parser and validator checks against these names; nothing else hard-codes a bound.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sqlink::limits {

inline constexpr std::size_t kMaxNameBytes = 256;      // bundle, prefix, extension, function names
inline constexpr std::size_t kMaxHashBytes = 128;      // hash strings and hash prefixes
inline constexpr std::size_t kMaxPathBytes = 4096;     // PATH_MAX on Linux
inline constexpr std::size_t kMaxDescBytes = 1024;     // free-text descriptions
inline constexpr std::size_t kMaxLineBytes = 65536;    // one dot-command line
inline constexpr std::size_t kMaxTokens = 256;         // tokens in one dot-command line
inline constexpr std::size_t kMaxArgs = 1024;          // host argv entries
inline constexpr std::size_t kMaxEchoBytes = 256;      // raw bytes echoed back in an error
inline constexpr std::size_t kMaxTripleBytes = 128;    // target triples
inline constexpr std::size_t kMaxUrlBytes = 8192;      // one URL, redirect targets included
inline constexpr std::size_t kMaxHttpHeaderBytes = 65536;          // status line + headers
inline constexpr std::uint64_t kDefaultFetchBytes = 64ull << 20;   // default download cap

}  // namespace sqlink::limits
