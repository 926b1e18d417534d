// URL parsing for the transport, and resolution of redirect targets against the URL that sent them.
// Invariant: a parsed Url holds only printable ASCII without spaces, so it can go on a request line.
#include <arpa/inet.h>

#include <algorithm>
#include <string>
#include <string_view>

#include "resolver/internal.hpp"

namespace sqlink::resolver_detail {
namespace {

bool is_alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lowered(std::string_view s) {
  std::string out(s);
  std::ranges::transform(out, out.begin(), lower);
  return out;
}

bool is_scheme_char(char c) noexcept {
  return is_alpha(c) || is_digit(c) || c == '+' || c == '.' || c == '-';
}

// The scheme of an absolute reference ("https" of "https://x"), or empty when there is none.
std::string_view scheme_of(std::string_view s) {
  const auto colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0 || !is_alpha(s[0])) return {};
  const std::string_view scheme = s.substr(0, colon);
  return std::ranges::all_of(scheme, is_scheme_char) ? scheme : std::string_view{};
}

// Bytes that can never appear in a URL we send: they would let a URL end the request line
// (CR, LF, space) or reach a terminal raw.
Result<void> check_url_bytes(std::string_view raw, std::string_view what) {
  if (raw.size() > limits::kMaxUrlBytes) {
    return Error::make(Errc::too_long,
                       std::string(what) + " " + quoted(raw) + " is longer than " +
                           std::to_string(limits::kMaxUrlBytes) + " bytes",
                       raw);
  }
  for (unsigned char c : raw) {
    if (c < 0x20 || c == 0x7f) {
      return Error::make(Errc::control_character,
                         std::string(what) + " " + quoted(raw) + " contains a control byte", raw);
    }
    if (c == ' ' || c >= 0x80) {
      return Error::make(Errc::invalid_value,
                         std::string(what) + " " + quoted(raw) +
                             " contains a space or a non-ASCII byte; percent-encode it",
                         raw);
    }
  }
  return {};
}

bool is_host_char(char c) noexcept {
  return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_';
}

Error bad_url(std::string_view raw, std::string_view why) {
  return Error::make(Errc::invalid_value, "URL " + quoted(raw) + " " + std::string(why), raw);
}

}  // namespace

std::string Url::authority() const {
  std::string out = host_is_ipv6 ? "[" + host + "]" : host;
  if (port_given) out += ":" + std::to_string(port);
  return out;
}

std::string Url::text() const { return scheme + "://" + authority() + target; }

bool Url::host_is_loopback_name() const {
  return host == "127.0.0.1" || host == "::1" || host == "localhost";
}

Result<Url> parse_url(std::string_view raw) {
  if (auto bytes = check_url_bytes(raw, "URL"); !bytes) return bytes.error();
  const std::string_view scheme = scheme_of(raw);
  if (scheme.empty()) return bad_url(raw, "has no scheme; expected https://HOST/PATH");

  Url url;
  url.scheme = lowered(scheme);
  if (url.scheme != "http" && url.scheme != "https") {
    return Error::make(Errc::unsupported,
                       "unsupported URL scheme " + quoted(url.scheme) + " in " + quoted(raw) +
                           "; only https (and http to loopback, when allowed) can be fetched",
                       raw);
  }
  std::string_view rest = raw.substr(scheme.size() + 1);
  if (!rest.starts_with("//")) return bad_url(raw, "has no '//' authority after the scheme");
  rest.remove_prefix(2);

  const auto authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view tail = authority_end == std::string_view::npos ? std::string_view{}
                                                                  : rest.substr(authority_end);
  if (authority.find('@') != std::string_view::npos) {
    return bad_url(raw, "contains credentials; they are never sent");
  }

  std::string_view host, port;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return bad_url(raw, "has an unclosed '[' in its host");
    host = authority.substr(1, close - 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty() && !after.starts_with(':')) return bad_url(raw, "has junk after its IPv6 host");
    if (!after.empty()) port = after.substr(1);
    in6_addr addr{};
    if (::inet_pton(AF_INET6, std::string(host).c_str(), &addr) != 1) {
      return bad_url(raw, "has an invalid IPv6 address (zone ids are not supported)");
    }
    url.host_is_ipv6 = true;
  } else {
    const auto colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
    if (!std::ranges::all_of(host, is_host_char)) return bad_url(raw, "has an invalid host name");
  }
  if (host.empty()) return bad_url(raw, "has no host");
  url.host = lowered(host);

  const std::uint16_t default_port = url.scheme == "https" ? 443 : 80;
  url.port = default_port;
  if (!port.empty()) {
    if (port.size() > 5 || !std::ranges::all_of(port, is_digit)) return bad_url(raw, "has an invalid port");
    const unsigned long value = std::stoul(std::string(port));
    if (value == 0 || value > 65535) return bad_url(raw, "has a port outside 1..65535");
    url.port = static_cast<std::uint16_t>(value);
  }
  url.port_given = url.port != default_port;

  tail = tail.substr(0, tail.find('#'));
  if (tail.empty() || tail.starts_with('?')) url.target = "/";
  url.target += std::string(tail);
  return url;
}

Result<std::string> resolve_location(const Url& base, std::string_view location) {
  if (auto bytes = check_url_bytes(location, "redirect target"); !bytes) return bytes.error();
  if (location.empty()) {
    return Error::make(Errc::network_error,
                       "redirect from " + quoted(base.text()) + " has an empty Location", base.text());
  }
  if (!scheme_of(location).empty()) return std::string(location);  // absolute
  if (location.starts_with("//")) return base.scheme + ":" + std::string(location);

  const std::string origin = base.scheme + "://" + base.authority();
  const std::string_view fragmentless = location.substr(0, location.find('#'));
  const std::string_view base_path =
      std::string_view(base.target).substr(0, base.target.find('?'));
  if (fragmentless.starts_with('/')) return origin + std::string(fragmentless);
  if (fragmentless.empty()) return base.text();
  if (fragmentless.starts_with('?')) return origin + std::string(base_path) + std::string(fragmentless);
  // A relative path replaces the last segment of the base path; the server sorts out any
  // "." and ".." segments, which cannot leave its origin.
  const std::string_view directory = base_path.substr(0, base_path.rfind('/') + 1);
  return origin + std::string(directory) + std::string(fragmentless);
}

}  // namespace sqlink::resolver_detail
