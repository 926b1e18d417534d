// Classifies a resolver URI: a path, a file: URI, a sha256:/digest: hash URI, or an http(s) URL.
// Uses the .load scheme rule (2+ chars of [A-Za-z0-9+.-] before ':'), so "C:\x" stays a path.
#include <algorithm>
#include <string>
#include <string_view>

#include "resolver/internal.hpp"
#include "sqlink/limits.hpp"

namespace sqlink::resolver_detail {
namespace {

char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool is_scheme_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '.' || c == '-';
}

int hex_value(char c) noexcept {
  const char l = lower(c);
  // mutate: next-line rel.ge.true: a byte below '0' then gives a negative value, which every caller treats as not hex, like -1
  if (l >= '0' && l <= '9') return l - '0';
  if (l >= 'a' && l <= 'f') return l - 'a' + 10;
  return -1;
}

// RFC 8089: file:///p, file://localhost/p and file:/p all name the local /p; the path is
// percent-decoded, and a decoded NUL or control byte is refused like one written raw.
Result<std::string> file_uri_path(std::string_view uri, std::string_view rest) {
  if (rest.starts_with("//")) {
    rest.remove_prefix(2);
    const auto slash = rest.find('/');
    std::string host(rest.substr(0, slash));
    std::ranges::transform(host, host.begin(), lower);
    if (!host.empty() && host != "localhost") {
      return Error::make(Errc::unsupported,
                         "file URI " + quoted(uri) + " names the remote host " + quoted(host), uri);
    }
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
  }
  if (rest.empty()) return Error::make(Errc::invalid_value, "file URI " + quoted(uri) + " has no path", uri);
  std::string path;
  // mutate: next-line rel.lt.ne: i moves past an escape only when its two digits lie before rest.size(), so it reaches rest.size() exactly
  for (std::size_t i = 0; i < rest.size(); ++i) {
    if (rest[i] != '%') {
      path += rest[i];
      continue;
    }
    const int hi = i + 2 < rest.size() ? hex_value(rest[i + 1]) : -1;
    const int lo = hi >= 0 ? hex_value(rest[i + 2]) : -1;
    if (lo < 0) {
      return Error::make(Errc::invalid_value, "file URI " + quoted(uri) + " has a bad %-escape", uri);
    }
    const auto byte = static_cast<unsigned char>(hi << 4 | lo);
    if (byte < 0x20 || byte == 0x7f) {
      return Error::make(Errc::control_character,
                         "file URI " + quoted(uri) + " encodes a NUL or control byte", uri);
    }
    path += static_cast<char>(byte);
    i += 2;
  }
  return path;
}

}  // namespace

Result<ArtifactUri> classify_artifact_uri(std::string_view uri) {
  if (uri.empty()) return Error::make(Errc::missing_argument, "artifact URI " + quoted(uri) + " is empty", uri);
  if (uri.size() > limits::kMaxUrlBytes) {
    return Error::make(Errc::too_long,
                       "artifact URI " + quoted(uri) + " is longer than " +
                           std::to_string(limits::kMaxUrlBytes) + " bytes",
                       uri);
  }
  if (std::ranges::any_of(uri, [](char c) {
        const auto b = static_cast<unsigned char>(c);
        return b < 0x20 || b == 0x7f;
      })) {
    return Error::make(Errc::control_character,
                       "artifact URI " + quoted(uri) + " contains a NUL or control byte", uri);
  }

  ArtifactUri out;
  const auto colon = uri.find(':');
  if (colon == std::string_view::npos || colon < 2 ||
      !std::all_of(uri.begin(), uri.begin() + static_cast<std::ptrdiff_t>(colon), is_scheme_char)) {
    if (uri.size() > limits::kMaxPathBytes) {
      return Error::make(Errc::too_long, "path " + quoted(uri) + " is longer than " +
                                             std::to_string(limits::kMaxPathBytes) + " bytes",
                         uri);
    }
    out.kind = ArtifactUri::Kind::path;
    out.path = std::string(uri);
    return out;
  }
  out.scheme = std::string(uri.substr(0, colon));
  std::ranges::transform(out.scheme, out.scheme.begin(), lower);
  const std::string_view rest = uri.substr(colon + 1);

  if (out.scheme == "sha256" || out.scheme == "digest") {
    auto hash = Hash::from_hex(rest);
    if (!hash) {
      return Error::make(Errc::invalid_value,
                         "hash URI " + quoted(uri) + " is not " + out.scheme + ": followed by 64 hex digits",
                         uri);
    }
    out.kind = ArtifactUri::Kind::hash;
    out.hash = *hash;
  } else if (out.scheme == "file") {
    auto path = file_uri_path(uri, rest);
    if (!path) return path.error();
    out.kind = ArtifactUri::Kind::file_uri;
    out.path = std::move(*path);
  } else if (out.scheme == "http" || out.scheme == "https") {
    out.kind = ArtifactUri::Kind::url;
  } else {
    out.kind = ArtifactUri::Kind::other;
  }
  return out;
}

}  // namespace sqlink::resolver_detail
