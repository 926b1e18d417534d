// How the resolver fetches bytes from a URL: an injectable Transport, and HttpTransport, the real
// one (HTTP/1.1 GET over TCP or TLS), which enforces a deadline, a size cap and a scheme policy.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "sqlink/error.hpp"
#include "sqlink/limits.hpp"

namespace sqlink {

struct FetchLimits {
  // The whole fetch: name lookup, connects, TLS handshakes and every redirect hop. Must be > 0.
  std::chrono::milliseconds timeout{30000};
  // Largest body accepted; a longer one is too_large, and no more than this is ever buffered.
  std::uint64_t max_bytes = limits::kDefaultFetchBytes;
  // Redirects followed before giving up; 0 refuses every redirect. Must be >= 0.
  int max_redirects = 5;
};

struct FetchResult {
  std::string body;
  std::string final_url;  // the URL that answered, after redirects (canonical form)
  int status = 0;         // its 2xx status
  int redirects = 0;      // how many redirects were followed
};

// A fetcher of URLs. Implementations return invalid_value for limits out of range,
// timeout when the deadline passes, too_large when the body exceeds max_bytes,
// network_error for transfer failures and non-2xx answers (naming the URL and status),
// and permission_denied / unsupported for URLs the scheme policy refuses.
// Every error message names the URL it was fetching with quoted().
class Transport {
 public:
  virtual ~Transport();
  virtual Result<FetchResult> fetch(std::string_view url, const FetchLimits& limits) = 0;
};

struct HttpTransportOptions {
  // Allows plain http:// but only to the hosts 127.0.0.1, ::1 and localhost (localhost is
  // never looked up: it means 127.0.0.1, then ::1). For tests and local mirrors.
  bool allow_insecure_loopback = false;
  // A PEM file of extra trust anchors for https (for example a test server's certificate).
  std::string extra_ca_file;
  // Whether the system's default CA store is trusted as well.
  bool use_default_ca_paths = true;
};

// The scheme policy, checked for the first URL and for every redirect hop before anything is
// connected: https:// is allowed; http:// only with allow_insecure_loopback and a host that is
// exactly 127.0.0.1, [::1] or localhost; any other scheme is unsupported; a URL with
// credentials, control bytes, spaces or non-ASCII bytes is invalid_value.
Result<void> check_fetch_url(std::string_view url, const HttpTransportOptions& options);

// HTTP/1.1 GET over TCP (http) or OpenSSL TLS (https: default verify paths plus extra_ca_file,
// SNI, host name or IP address verification, TLS 1.2 minimum). Non-blocking sockets and poll()
// keep the whole fetch inside limits.timeout. Bodies framed by Content-Length, chunked coding,
// or the end of the connection. Redirects 301/302/303/307/308 are followed up to
// limits.max_redirects, each hop re-checked by the scheme policy; https -> http is refused.
// Safe to share between threads.
class HttpTransport final : public Transport {
 public:
  explicit HttpTransport(HttpTransportOptions options = {});
  ~HttpTransport() override;
  HttpTransport(const HttpTransport&) = delete;
  HttpTransport& operator=(const HttpTransport&) = delete;

  Result<FetchResult> fetch(std::string_view url, const FetchLimits& limits) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sqlink
