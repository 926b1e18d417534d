// The scheme policy of fetches: https anywhere, plain http only to loopback and only when allowed.
// It judges the URL text alone, so a refused URL is refused before any lookup or connect.
#include "resolver/internal.hpp"
#include "sqlink/transport.hpp"

namespace sqlink {

Result<void> check_fetch_url(std::string_view url, const HttpTransportOptions& options) {
  auto parsed = resolver_detail::parse_url(url);
  if (!parsed) return parsed.error();
  if (parsed->scheme == "https") return {};
  if (!options.allow_insecure_loopback) {
    return Error::make(Errc::permission_denied,
                       "plain http URL " + quoted(url) + " refused; use https",
                       url, "http is allowed only to loopback, with allow_insecure_loopback");
  }
  // An exact match on the written host: "127.0.0.1.example.com" or a name that happens to
  // resolve to 127.0.0.1 would hand the unencrypted transfer to someone else.
  if (!parsed->host_is_loopback_name()) {
    return Error::make(Errc::permission_denied,
                       "plain http URL " + quoted(url) + " refused: host " +
                           quoted(parsed->host) + " is not 127.0.0.1, ::1 or localhost",
                       url);
  }
  return {};
}

}  // namespace sqlink
