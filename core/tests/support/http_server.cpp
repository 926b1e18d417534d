// Test support: the scripted HTTP(S) server. One thread accepts, one thread per connection serves.
// Invariants: it binds 127.0.0.1 only; stop() ends every delay and joins every thread it started.
#include "support/http_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <iostream>

namespace sqlink::testing {
namespace {

constexpr std::size_t kMaxRequestHead = 65536;
constexpr timeval kSocketTimeout{5, 0};  // bounds every blocking read/write of a worker

[[noreturn]] void die(const char* what) {
  std::cerr << "http_server: " << what << ": " << std::strerror(errno) << "\n";
  ERR_print_errors_fp(stderr);
  std::abort();
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

std::string_view reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 404: return "Not Found";
    case 500: return "Internal Server Error";
    default: return "Whatever";
  }
}

std::string hex(std::uint64_t n) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%llx", static_cast<unsigned long long>(n));
  return buffer;
}

// The peer of one connection, plain or TLS, with blocking I/O bounded by kSocketTimeout.
class Peer {
 public:
  Peer(int fd, SSL* ssl) : fd_(fd), ssl_(ssl) {}
  ~Peer() {
    if (ssl_ != nullptr) {
      if (handshaken_) SSL_shutdown(ssl_);
      SSL_free(ssl_);
    }
  }
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;

  bool handshake() {
    if (ssl_ == nullptr) return true;
    SSL_set_fd(ssl_, fd_);
    handshaken_ = SSL_accept(ssl_) == 1;
    ERR_clear_error();  // a client that refuses our certificate is an expected outcome
    return handshaken_;
  }
  std::string server_name() const {
    const char* name = ssl_ != nullptr ? SSL_get_servername(ssl_, TLSEXT_NAMETYPE_host_name) : nullptr;
    return name != nullptr ? name : "";
  }
  long read(char* out, std::size_t n) {
    if (ssl_ != nullptr) return SSL_read(ssl_, out, static_cast<int>(n));
    return ::recv(fd_, out, n, 0);
  }
  bool write(std::string_view data) {
    while (!data.empty()) {
      const long n = ssl_ != nullptr ? SSL_write(ssl_, data.data(), static_cast<int>(data.size()))
                                     : ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) {
        handshaken_ = false;  // no close_notify after a failed write
        ERR_clear_error();
        return false;
      }
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

 private:
  int fd_;
  SSL* ssl_;
  bool handshaken_ = false;
};

// Reads up to the blank line after the request head; nullopt on EOF, timeout or junk.
std::optional<HttpRequest> read_request(Peer& peer) {
  std::string head;
  char buffer[4096];
  while (head.find("\r\n\r\n") == std::string::npos) {
    if (head.size() > kMaxRequestHead) return std::nullopt;
    const long n = peer.read(buffer, sizeof buffer);
    if (n <= 0) return std::nullopt;
    head.append(buffer, static_cast<std::size_t>(n));
  }
  head.resize(head.find("\r\n\r\n") + 2);
  HttpRequest request;
  std::string_view rest = head;
  const auto line_end = rest.find("\r\n");
  const std::string_view line = rest.substr(0, line_end);
  rest.remove_prefix(line_end + 2);
  const auto sp1 = line.find(' '), sp2 = line.rfind(' ');
  if (sp1 == std::string_view::npos || sp2 == sp1) return std::nullopt;
  request.method = std::string(line.substr(0, sp1));
  request.target = std::string(line.substr(sp1 + 1, sp2 - sp1 - 1));
  while (!rest.empty()) {
    const auto end = rest.find("\r\n");
    const std::string_view h = rest.substr(0, end);
    rest.remove_prefix(end + 2);
    const auto colon = h.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view value = h.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    request.headers.emplace_back(std::string(h.substr(0, colon)), std::string(value));
  }
  return request;
}

}  // namespace

std::string HttpRequest::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (iequals(key, name)) return value;
  }
  return {};
}

HttpReply HttpReply::ok(std::string body) {
  HttpReply reply;
  reply.body = std::move(body);
  return reply;
}

HttpReply HttpReply::status_only(int status) {
  HttpReply reply;
  reply.status = status;
  reply.body = std::to_string(status) + " " + std::string(reason(status)) + "\n";
  return reply;
}

HttpReply HttpReply::redirect(int status, std::string location) {
  HttpReply reply;
  reply.status = status;
  reply.headers.emplace_back("Location", std::move(location));
  reply.body = "moved\n";
  return reply;
}

TlsIdentity TlsIdentity::self_signed(const std::vector<std::string>& dns_names,
                                     const std::vector<std::string>& ip_addresses) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  if (key == nullptr || cert == nullptr) die("EVP_EC_gen/X509_new");
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), static_cast<long>(std::time(nullptr)));
  X509_gmtime_adj(X509_getm_notBefore(cert), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("sqlink test server"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  std::string san;
  for (const auto& d : dns_names) san += (san.empty() ? "DNS:" : ",DNS:") + d;
  for (const auto& ip : ip_addresses) san += (san.empty() ? "IP:" : ",IP:") + ip;
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, san.c_str());
  if (ext == nullptr || X509_add_ext(cert, ext, -1) != 1) die("subjectAltName");
  X509_EXTENSION_free(ext);
  if (X509_sign(cert, key, EVP_sha256()) == 0) die("X509_sign");

  auto to_pem = [](auto write) {
    BIO* bio = BIO_new(BIO_s_mem());
    if (bio == nullptr || write(bio) != 1) die("PEM write");
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<std::size_t>(len));
    BIO_free(bio);
    return out;
  };
  TlsIdentity identity;
  identity.cert_pem = to_pem([&](BIO* bio) { return PEM_write_bio_X509(bio, cert); });
  identity.key_pem = to_pem([&](BIO* bio) {
    return PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  });
  X509_free(cert);
  EVP_PKEY_free(key);
  return identity;
}

// Accepts whatever name a client asks for, so that the name is kept for HttpRequest.
static int accept_any_server_name(SSL*, int*, void*) { return SSL_TLSEXT_ERR_OK; }

struct HttpServer::Tls {
  SSL_CTX* ctx = nullptr;
  ~Tls() { SSL_CTX_free(ctx); }
};

HttpServer::HttpServer(std::optional<TlsIdentity> tls) {
  // SSL_write on a socket the client has closed raises SIGPIPE; the test process ignores it.
  std::signal(SIGPIPE, SIG_IGN);
  if (tls) {
    tls_ = std::make_unique<Tls>();
    tls_->ctx = SSL_CTX_new(TLS_server_method());
    BIO* cert_bio = BIO_new_mem_buf(tls->cert_pem.data(), static_cast<int>(tls->cert_pem.size()));
    BIO* key_bio = BIO_new_mem_buf(tls->key_pem.data(), static_cast<int>(tls->key_pem.size()));
    X509* cert = PEM_read_bio_X509(cert_bio, nullptr, nullptr, nullptr);
    EVP_PKEY* key = PEM_read_bio_PrivateKey(key_bio, nullptr, nullptr, nullptr);
    if (tls_->ctx == nullptr || cert == nullptr || key == nullptr ||
        SSL_CTX_use_certificate(tls_->ctx, cert) != 1 || SSL_CTX_use_PrivateKey(tls_->ctx, key) != 1) {
      die("TLS server setup");
    }
    SSL_CTX_set_tlsext_servername_callback(tls_->ctx, accept_any_server_name);
    X509_free(cert);
    EVP_PKEY_free(key);
    BIO_free(cert_bio);
    BIO_free(key_bio);
  }

  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) die("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) die("bind");
  if (::listen(listen_fd_, 64) != 0) die("listen");
  socklen_t len = sizeof addr;
  if (::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) die("getsockname");
  port_ = ntohs(addr.sin_port);
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC);
  if (wake_fd_ < 0) die("eventfd");
  acceptor_ = std::thread([this] { accept_loop(); });
}

HttpServer::~HttpServer() {
  stop();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

void HttpServer::route(std::string target, HttpReply reply) {
  route(std::move(target), [reply = std::move(reply)](const HttpRequest&) { return reply; });
}

void HttpServer::route(std::string target, HttpHandler handler) {
  const std::lock_guard lock(mutex_);
  routes_[std::move(target)] = std::move(handler);
}

std::string HttpServer::url(std::string_view target) const {
  return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) + std::string(target);
}

std::vector<HttpRequest> HttpServer::requests() const {
  const std::lock_guard lock(mutex_);
  return requests_;
}

std::size_t HttpServer::hits(std::string_view target) const {
  const std::lock_guard lock(mutex_);
  return static_cast<std::size_t>(
      std::ranges::count_if(requests_, [&](const HttpRequest& r) { return r.target == target; }));
}

std::size_t HttpServer::connections() const {
  const std::lock_guard lock(mutex_);
  return connections_;
}

std::uint64_t HttpServer::body_bytes_sent(std::string_view target) const {
  const std::lock_guard lock(mutex_);
  const auto it = body_bytes_.find(target);
  return it == body_bytes_.end() ? 0 : it->second;
}

void HttpServer::stop() {
  {
    const std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  stop_cv_.notify_all();
  const std::uint64_t one = 1;
  if (::write(wake_fd_, &one, sizeof one) != sizeof one) die("eventfd write");
  acceptor_.join();
  std::vector<std::thread> workers;
  {
    const std::lock_guard lock(mutex_);
    // Unblocks workers stuck in a read or write; each closes its own fd afterwards.
    for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
    workers.swap(workers_);
  }
  for (auto& worker : workers) worker.join();
}

bool HttpServer::pause(std::chrono::milliseconds how_long) {
  std::unique_lock lock(mutex_);
  return !stop_cv_.wait_for(lock, how_long, [this] { return stopping_; });
}

void HttpServer::accept_loop() {
  for (;;) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      die("poll");
    }
    if ((fds[1].revents & POLLIN) != 0) return;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &kSocketTimeout, sizeof kSocketTimeout);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &kSocketTimeout, sizeof kSocketTimeout);
    const std::lock_guard lock(mutex_);
    if (stopping_) {
      ::close(fd);
      return;
    }
    ++connections_;
    open_fds_.push_back(fd);
    workers_.emplace_back([this, fd] { serve(fd); });
  }
}

void HttpServer::serve(int fd) {
  {
    Peer peer(fd, tls_ ? SSL_new(tls_->ctx) : nullptr);
    std::optional<HttpRequest> request;
    if (peer.handshake()) request = read_request(peer);
    if (request) {
      request->tls_server_name = peer.server_name();
      HttpHandler handler;
      {
        const std::lock_guard lock(mutex_);
        requests_.push_back(*request);
        if (const auto it = routes_.find(request->target); it != routes_.end()) handler = it->second;
      }
      const HttpReply reply = handler ? handler(*request) : HttpReply::status_only(404);
      const std::uint64_t total = reply.body.size() * reply.repeat;
      std::string head = "HTTP/1.1 " + std::to_string(reply.status) + " " + std::string(reason(reply.status)) + "\r\n";
      for (const auto& [key, value] : reply.headers) head += key + ": " + value + "\r\n";
      switch (reply.framing) {
        case HttpReply::Framing::content_length:
          head += "Content-Length: " + std::to_string(reply.declared_length.value_or(total)) + "\r\n";
          break;
        case HttpReply::Framing::chunked:
          head += "Transfer-Encoding: chunked\r\n";
          break;
        case HttpReply::Framing::close:
          break;
      }
      head += "Connection: close\r\n\r\n";

      bool alive = pause(reply.delay) && peer.write(head) && pause(reply.stall_after_head);
      for (std::uint64_t i = 0; alive && i < reply.repeat && !reply.body.empty(); ++i) {
        alive = reply.framing == HttpReply::Framing::chunked
                    ? peer.write(hex(reply.body.size()) + "\r\n" + reply.body + "\r\n")
                    : peer.write(reply.body);
        if (alive) {
          const std::lock_guard lock(mutex_);
          body_bytes_[request->target] += reply.body.size();
        }
      }
      if (alive && reply.framing == HttpReply::Framing::chunked) peer.write("0\r\n\r\n");
    }
  }
  const std::lock_guard lock(mutex_);
  ::shutdown(fd, SHUT_WR);
  ::close(fd);
  open_fds_.erase(std::ranges::find(open_fds_, fd));
}

}  // namespace sqlink::testing
