// Private pieces shared by the resolver and transport sources: URLs, deadlines, byte streams,
// the HTTP response parser and artifact-URI classification. Not installed; not API.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sqlink/error.hpp"
#include "sqlink/hash.hpp"
#include "sqlink/transport.hpp"

namespace sqlink::resolver_detail {

// ---- url.cpp: the subset of RFC 3986 an HTTP fetch needs.

struct Url {
  std::string scheme;       // "http" or "https"
  std::string host;         // lower case; an IPv6 literal without its brackets
  bool host_is_ipv6 = false;
  std::uint16_t port = 0;   // the effective port (80/443 when none was written)
  bool port_given = false;  // written and not the scheme's default
  std::string target;       // path and query, beginning with '/'; the fragment is dropped

  std::string authority() const;  // host[:port] as a Host header wants it
  std::string text() const;       // the canonical URL
  bool host_is_loopback_name() const;  // exactly 127.0.0.1, ::1 or localhost
};

// Only http and https parse; any other scheme is unsupported, and malformed or unsafe input
// (control bytes, spaces, non-ASCII, credentials, bad ports) is invalid_value or too_long.
Result<Url> parse_url(std::string_view raw);

// The URL a Location header points to, resolved against the URL that sent it.
Result<std::string> resolve_location(const Url& base, std::string_view location);

// ---- connect.cpp, tls.cpp: byte streams bounded by a deadline.

using Clock = std::chrono::steady_clock;
using Deadline = Clock::time_point;

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) noexcept : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd();
  int get() const noexcept { return fd_; }

 private:
  int fd_ = -1;
};

// Waits with poll() until `fd` is ready for `events` (POLLIN/POLLOUT) or the deadline passes
// (timeout). `what` says what was being waited for, for the message.
Result<void> wait_for(int fd, short events, Deadline deadline, std::string_view what);

// A connected byte stream. read_some returns 0 only at a clean end of stream.
class Stream {
 public:
  virtual ~Stream();
  virtual Result<void> write_all(std::string_view data, Deadline deadline) = 0;
  virtual Result<std::size_t> read_some(std::span<char> buffer, Deadline deadline) = 0;
};

// Resolves url.host (an IP literal as is, localhost as 127.0.0.1 then ::1, any other name
// through getaddrinfo on a helper thread so the deadline holds) and connects to each address
// in turn with a non-blocking socket.
Result<Fd> connect_tcp(const Url& url, Deadline deadline);
std::unique_ptr<Stream> plain_stream(Fd fd);

// An SSL_CTX configured from HttpTransportOptions; shared by every https fetch of a transport.
class TlsContext {
 public:
  static Result<std::shared_ptr<TlsContext>> create(const HttpTransportOptions& options);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;
  void* native() const noexcept { return ctx_; }  // SSL_CTX*

 private:
  explicit TlsContext(void* ctx) noexcept : ctx_(ctx) {}
  void* ctx_;
};

// Runs the TLS handshake over a connected socket: SNI for names, verification of the chain
// and of the host name or IP address.
Result<std::unique_ptr<Stream>> tls_stream(std::shared_ptr<TlsContext> context, Fd fd,
                                           const Url& url, Deadline deadline);

// ---- http_response.cpp: an incremental HTTP/1.1 response parser.

// Fed the bytes of one response in any pieces. It stops after the head so that the caller can
// decide on the status whether a body is wanted. The body never grows past max_body: a
// Content-Length above it is refused before any body byte, a chunked or close-delimited body
// as soon as it would pass it. Interim 1xx responses are skipped.
class ResponseParser {
 public:
  enum class State { head, head_done, body, done };

  explicit ResponseParser(std::uint64_t max_body) : max_body_(max_body) {}

  // Consumes a prefix of `data` and returns its length; call again with the rest. Stops
  // consuming at head_done (call begin_body() to go on) and at done.
  Result<std::size_t> feed(std::string_view data);
  // After head_done: read the body, framed by the head (204/304: none; chunked; Content-Length,
  // refused at once when over the cap; else until the peer closes).
  Result<void> begin_body();
  // The peer closed the stream: completes a close-delimited body, else an error.
  Result<void> finish();

  State state() const noexcept { return state_; }
  int status() const noexcept { return status_; }
  // The value of the first header called `name` (case-insensitive), if any.
  std::optional<std::string_view> header(std::string_view name) const;
  std::string& body() noexcept { return body_; }

 private:
  enum class Framing { none, length, chunked, close };
  enum class Chunk { size, data, data_end, trailer };
  Result<std::size_t> feed_head(std::string_view data);
  Result<void> parse_head();
  Result<std::size_t> feed_chunked(std::string_view data);
  Result<void> take_chunk_size(std::string_view line);
  Result<void> grow(std::uint64_t more) const;

  std::uint64_t max_body_;
  State state_ = State::head;
  std::string line_;  // the head, or a chunk-size / trailer line, while it is incomplete
  int status_ = 0;
  std::vector<std::pair<std::string, std::string>> headers_;
  Framing framing_ = Framing::none;
  Chunk chunk_ = Chunk::size;
  std::uint64_t remaining_ = 0;  // bytes left in the Content-Length body or current chunk
  std::size_t trailer_bytes_ = 0;
  int interim_responses_ = 0;
  std::string body_;
};

// ---- artifact_uri.cpp: what kind of reference a resolver URI is.

struct ArtifactUri {
  enum class Kind { path, file_uri, hash, url, other };
  Kind kind = Kind::path;
  std::string path;         // for path and file_uri: the file to read
  std::optional<Hash> hash; // for hash
  std::string scheme;       // lower case; empty for a path
};

// Classifies with the same scheme rule as .load (2+ chars of [A-Za-z0-9+.-] then ':', so
// "C:\x" is a path). A malformed hash or file URI is invalid_value naming the URI.
Result<ArtifactUri> classify_artifact_uri(std::string_view uri);

// ---- read_file.cpp: the file source.

// Reads a regular file of at most max_bytes; anything else (FIFO, device, directory) is refused
// without blocking, and a file that grows past the cap while being read is too_large.
Result<std::string> read_file_capped(const std::string& path, std::uint64_t max_bytes);

}  // namespace sqlink::resolver_detail
