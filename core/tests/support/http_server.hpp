// Test support: a small threaded HTTP/1.1 server (optionally TLS) on 127.0.0.1 with an ephemeral
// port, whose routes a test scripts: statuses, framings, lies, delays, redirects, endless bodies.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace sqlink::testing {

struct HttpRequest {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string tls_server_name;  // the SNI the client sent over TLS; "" if none
  std::string header(std::string_view name) const;  // first match, case-insensitive; "" if none
};

struct HttpReply {
  enum class Framing { content_length, chunked, close };

  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;  // sent as given, before framing
  std::string body;
  Framing framing = Framing::content_length;
  std::uint64_t repeat = 1;                      // the body is sent this many times
  std::optional<std::uint64_t> declared_length;  // a Content-Length other than the true one
  std::chrono::milliseconds delay{0};            // before the status line
  std::chrono::milliseconds stall_after_head{0}; // between the head and the body

  static HttpReply ok(std::string body);
  static HttpReply status_only(int status);
  static HttpReply redirect(int status, std::string location);
};

using HttpHandler = std::function<HttpReply(const HttpRequest&)>;

// A certificate and its key, PEM.
struct TlsIdentity {
  std::string cert_pem;
  std::string key_pem;
  // A self-signed P-256 certificate valid for an hour, with these subjectAltNames.
  static TlsIdentity self_signed(const std::vector<std::string>& dns_names,
                                 const std::vector<std::string>& ip_addresses);
};

class HttpServer {
 public:
  // Listens on 127.0.0.1 at once; serves TLS when given an identity. Unknown targets get 404.
  explicit HttpServer(std::optional<TlsIdentity> tls = std::nullopt);
  ~HttpServer();  // stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  void route(std::string target, HttpReply reply);
  void route(std::string target, HttpHandler handler);

  std::uint16_t port() const { return port_; }
  // "http://127.0.0.1:PORT" + target ("https://..." when serving TLS).
  std::string url(std::string_view target) const;

  std::vector<HttpRequest> requests() const;       // completed request heads, in arrival order
  std::size_t hits(std::string_view target) const;  // requests for that target
  std::size_t connections() const;                  // TCP connections accepted
  std::uint64_t body_bytes_sent(std::string_view target) const;

  // Ends delays at once, closes every connection and joins every thread. Idempotent.
  void stop();

 private:
  struct Tls;
  void accept_loop();
  void serve(int fd);
  bool pause(std::chrono::milliseconds how_long);  // false when stopping

  std::uint16_t port_ = 0;
  int listen_fd_ = -1;
  int wake_fd_ = -1;  // an eventfd that wakes accept_loop for stop()
  std::unique_ptr<Tls> tls_;

  mutable std::mutex mutex_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::map<std::string, HttpHandler, std::less<>> routes_;
  std::vector<HttpRequest> requests_;
  std::map<std::string, std::uint64_t, std::less<>> body_bytes_;
  std::size_t connections_ = 0;
  std::vector<int> open_fds_;
  std::vector<std::thread> workers_;
  std::thread acceptor_;
};

}  // namespace sqlink::testing
