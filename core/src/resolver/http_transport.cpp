// HttpTransport: one GET per hop, redirects followed under the scheme policy, all in one deadline.
// Invariant: every hop's URL passes check_fetch_url before its host is looked up or connected.
#include <array>
#include <mutex>
#include <string>

#include "resolver/internal.hpp"
#include "sqlink/transport.hpp"
#include "sqlink/version.hpp"

namespace sqlink {

using resolver_detail::Clock;
using resolver_detail::Deadline;
using resolver_detail::ResponseParser;
using resolver_detail::Url;

namespace {

constexpr std::size_t kReadChunkBytes = 16384;

bool is_redirect(int status) noexcept {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// Lower layers describe what failed; this names the URL, as every message must.
Error fetching(Error error, std::string_view url, const FetchLimits& limits) {
  error.message = "fetching " + quoted(url) + ": " + error.message;
  if (error.code == Errc::timeout) {
    error.message += " (the limit is " + std::to_string(limits.timeout.count()) + " ms)";
  }
  error.input = sanitize(url);
  return error;
}

struct Answer {
  int status = 0;
  std::string location;  // for redirects
  std::string body;      // for 2xx
};

}  // namespace

struct HttpTransport::Impl {
  HttpTransportOptions options;
  std::mutex tls_mutex;
  std::shared_ptr<resolver_detail::TlsContext> tls;  // made on the first https fetch

  Result<std::shared_ptr<resolver_detail::TlsContext>> tls_context() {
    const std::lock_guard lock(tls_mutex);
    if (!tls) {
      auto made = resolver_detail::TlsContext::create(options);
      if (!made) return made.error();
      tls = std::move(*made);
    }
    return tls;
  }

  Result<std::unique_ptr<resolver_detail::Stream>> open(const Url& url, Deadline deadline) {
    if (url.scheme == "http") {
      auto fd = resolver_detail::connect_tcp(url, deadline);
      if (!fd) return fd.error();
      return resolver_detail::plain_stream(std::move(*fd));
    }
    // The context first: a bad CA file is a local error and needs no connection to report.
    auto context = tls_context();
    if (!context) return context.error();
    auto fd = resolver_detail::connect_tcp(url, deadline);
    if (!fd) return fd.error();
    return resolver_detail::tls_stream(std::move(*context), std::move(*fd), url, deadline);
  }

  // One request and its answer; the body is read only for a 2xx, the only case that needs it.
  Result<Answer> exchange(const Url& url, const FetchLimits& limits, Deadline deadline) {
    auto stream = open(url, deadline);
    if (!stream) return stream.error();
    const std::string request = "GET " + url.target + " HTTP/1.1\r\nHost: " + url.authority() +
                                "\r\nUser-Agent: sqlink/" + kVersion +
                                "\r\nAccept: */*\r\nAccept-Encoding: identity\r\nConnection: close\r\n\r\n";
    if (auto sent = (*stream)->write_all(request, deadline); !sent) return sent.error();

    ResponseParser parser(limits.max_bytes);
    std::array<char, kReadChunkBytes> buffer{};
    std::string_view pending;  // read but not yet consumed by the parser
    auto pump = [&]() -> Result<bool> {  // false at the end of the stream
      if (pending.empty()) {
        auto n = (*stream)->read_some(buffer, deadline);
        if (!n) return n.error();
        if (*n == 0) {
          if (auto done = parser.finish(); !done) return done.error();
          // mutate: next-line lit.bool.true: finish() succeeds only when it completes the body, and both loops below stop once the parser is done
          return false;
        }
        pending = std::string_view(buffer.data(), *n);
      }
      auto used = parser.feed(pending);
      if (!used) return used.error();
      pending.remove_prefix(*used);
      return true;
    };

    while (parser.state() == ResponseParser::State::head) {
      auto more = pump();
      if (!more) return more.error();
      if (!*more) break;
    }
    Answer answer;
    answer.status = parser.status();
    if (is_redirect(answer.status) || answer.status < 200 || answer.status > 299) {
      answer.location = std::string(parser.header("Location").value_or(""));
      return answer;
    }
    if (auto begun = parser.begin_body(); !begun) return begun.error();
    while (parser.state() != ResponseParser::State::done) {
      auto more = pump();
      if (!more) return more.error();
      if (!*more) break;
    }
    answer.body = std::move(parser.body());
    return answer;
  }
};

Transport::~Transport() = default;

HttpTransport::HttpTransport(HttpTransportOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
}

HttpTransport::~HttpTransport() = default;

Result<FetchResult> HttpTransport::fetch(std::string_view url, const FetchLimits& limits) {
  if (limits.timeout.count() <= 0 || limits.max_redirects < 0) {
    return Error::make(Errc::invalid_value,
                       "fetching " + quoted(url) + ": the timeout must be positive and max_redirects "
                                                   "not negative",
                       url);
  }
  const Deadline deadline = Clock::now() + limits.timeout;
  std::string current(url);
  std::string previous;  // the URL that redirected to `current`, empty on the first hop
  for (int redirects = 0;; ++redirects) {
    if (auto allowed = check_fetch_url(current, impl_->options); !allowed) {
      if (previous.empty()) return allowed.error();
      Error e = allowed.error();
      e.message = "redirect from " + quoted(previous) + " refused: " + e.message;
      return e;
    }
    auto parsed = resolver_detail::parse_url(current);
    if (!parsed) return parsed.error();  // check_fetch_url already parsed it; kept for safety
    if (!previous.empty() && parsed->scheme == "http" && previous.starts_with("https:")) {
      return Error::make(Errc::permission_denied,
                         "redirect from " + quoted(previous) + " to plain http " + quoted(current) +
                             " refused: https never downgrades",
                         current);
    }

    auto answer = impl_->exchange(*parsed, limits, deadline);
    if (!answer) return fetching(std::move(answer).error(), current, limits);

    if (is_redirect(answer->status)) {
      if (answer->location.empty()) {
        return Error::make(Errc::network_error,
                           "fetching " + quoted(current) + ": HTTP " + std::to_string(answer->status) +
                               " redirect without a Location",
                           current);
      }
      // mutate: next-line rel.ge.eq: redirects counts up by one from 0 and max_redirects is not negative (checked on entry)
      if (redirects >= limits.max_redirects) {
        return Error::make(Errc::network_error,
                           "fetching " + quoted(url) + ": too many redirects (the limit is " +
                               std::to_string(limits.max_redirects) + "; the last was to " +
                               quoted(answer->location) + ")",
                           url);
      }
      auto next = resolver_detail::resolve_location(*parsed, answer->location);
      if (!next) return fetching(std::move(next).error(), current, limits);
      previous = parsed->text();
      current = std::move(*next);
      continue;
    }
    if (answer->status < 200 || answer->status > 299) {
      return Error::make(Errc::network_error,
                         "fetching " + quoted(current) + " failed: HTTP status " +
                             std::to_string(answer->status),
                         current);
    }
    return FetchResult{std::move(answer->body), parsed->text(), answer->status, redirects};
  }
}

}  // namespace sqlink
