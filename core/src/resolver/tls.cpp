// The https stream: OpenSSL TLS over a non-blocking socket, bounded by the fetch deadline.
// Invariant: no byte is exchanged before the peer's chain and its host name (or IP) verified.
#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <algorithm>
#include <climits>
#include <memory>
#include <string>
#include <system_error>

#include "resolver/internal.hpp"

namespace sqlink::resolver_detail {
namespace {

// A socket BIO of our own: OpenSSL's uses write(), which raises SIGPIPE when the peer has gone;
// a library must not kill or disturb its host process for that, so we send with MSG_NOSIGNAL.
struct SocketBio {
  int fd = -1;
  int last_errno = 0;
};

SocketBio* bio_state(BIO* bio) { return static_cast<SocketBio*>(BIO_get_data(bio)); }

int bio_write(BIO* bio, const char* data, int len) {
  BIO_clear_retry_flags(bio);
  SocketBio* s = bio_state(bio);
  const ssize_t n = ::send(s->fd, data, static_cast<std::size_t>(len), MSG_NOSIGNAL);
  if (n >= 0) return static_cast<int>(n);
  s->last_errno = errno;
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) BIO_set_retry_write(bio);
  // mutate: next-line ret.int.zero: OpenSSL 3 handles a BIO write result of 0 like -1 (this BIO never answers BIO_eof), passing it up to SSL_get_error, which looks at the retry flags and the queue, not at the value
  return -1;
}

int bio_read(BIO* bio, char* out, int len) {
  BIO_clear_retry_flags(bio);
  SocketBio* s = bio_state(bio);
  const ssize_t n = ::recv(s->fd, out, static_cast<std::size_t>(len), 0);
  if (n >= 0) return static_cast<int>(n);
  s->last_errno = errno;
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) BIO_set_retry_read(bio);
  // mutate: next-line ret.int.zero: OpenSSL 3 handles a BIO read result of 0 like -1 (this BIO never answers BIO_eof), passing it up to SSL_get_error, which looks at the retry flags and the queue, not at the value
  return -1;
}

long bio_ctrl(BIO*, int cmd, long, void*) { return cmd == BIO_CTRL_FLUSH ? 1 : 0; }

int bio_create(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

int bio_destroy(BIO* bio) {
  delete bio_state(bio);
  // mutate: next-line call.void.remove: the BIO is freed as soon as this callback returns; nothing reads its data again
  BIO_set_data(bio, nullptr);
  // mutate: next-line lit.int.zero: BIO_free ignores what the destroy callback returns
  return 1;
}

const BIO_METHOD* socket_bio_method() {
  static BIO_METHOD* const method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "sqlink socket");
    if (m == nullptr) return m;
    BIO_meth_set_write(m, bio_write);
    BIO_meth_set_read(m, bio_read);
    BIO_meth_set_ctrl(m, bio_ctrl);
    BIO_meth_set_create(m, bio_create);
    BIO_meth_set_destroy(m, bio_destroy);
    return m;
  }();
  return method;
}

// The first queued OpenSSL error as text, and the queue cleared.
std::string openssl_error_text() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown TLS error";
  char buffer[256];
  ERR_error_string_n(code, buffer, sizeof buffer);
  return buffer;
}

struct SslFree {
  void operator()(SSL* ssl) const noexcept { SSL_free(ssl); }
};

class TlsStream final : public Stream {
 public:
  TlsStream(std::shared_ptr<TlsContext> context, Fd fd, SSL* ssl, SocketBio* bio)
      : context_(std::move(context)), fd_(std::move(fd)), ssl_(ssl), bio_(bio) {}

  ~TlsStream() override {
    // One non-blocking close_notify, as a courtesy; nothing waits for the peer's.
    if (healthy_) {
      // mutate: next-line call.void.remove: the queue is cleared again right after SSL_shutdown, whose outcome does not depend on it
      ERR_clear_error();
      SSL_shutdown(ssl_.get());
      ERR_clear_error();
    }
  }

  // Runs one SSL call to completion, waiting on the socket as OpenSSL asks. Returns the call's
  // positive result, 0 for a clean close_notify, or an error.
  template <class Call>
  Result<int> drive(Call call, Deadline deadline, std::string_view what) {
    for (;;) {
      ERR_clear_error();
      bio_->last_errno = 0;
      const int rc = call();
      if (rc > 0) return rc;
      switch (SSL_get_error(ssl_.get(), rc)) {
        case SSL_ERROR_WANT_READ:
          if (auto ready = wait_for(fd_.get(), POLLIN, deadline, what); !ready) return ready.error();
          continue;
        case SSL_ERROR_WANT_WRITE:
          if (auto ready = wait_for(fd_.get(), POLLOUT, deadline, what); !ready) return ready.error();
          continue;
        case SSL_ERROR_ZERO_RETURN:
          return 0;
        case SSL_ERROR_SYSCALL:
          healthy_ = false;
          return Error::make(Errc::network_error,
                             std::string(what) + " failed: " +
                                 (bio_->last_errno != 0 ? std::generic_category().message(bio_->last_errno)
                                                        : std::string("connection closed")));
        default: {
          healthy_ = false;
          const long verify = SSL_get_verify_result(ssl_.get());
          if (verify != X509_V_OK) {
            ERR_clear_error();
            return Error::make(Errc::network_error,
                               "TLS certificate verification failed: " +
                                   std::string(X509_verify_cert_error_string(verify)));
          }
          return Error::make(Errc::network_error, std::string(what) + " failed: " + openssl_error_text());
        }
      }
    }
  }

  Result<void> write_all(std::string_view data, Deadline deadline) override {
    while (!data.empty()) {
      const int len = static_cast<int>(std::min<std::size_t>(data.size(), INT_MAX));
      auto n = drive([&] { return SSL_write(ssl_.get(), data.data(), len); }, deadline,
                     "sending the request");
      if (!n) return n.error();
      // mutate: next-line lit.int.one: SSL_write returns the whole request (longer than 1 byte) or, from drive, 0 only for a close_notify, which it cannot have read before our first write
      if (*n == 0) return Error::make(Errc::network_error, "the TLS peer closed while we were sending");
      data.remove_prefix(static_cast<std::size_t>(*n));
    }
    return {};
  }

  Result<std::size_t> read_some(std::span<char> buffer, Deadline deadline) override {
    const int len = static_cast<int>(std::min<std::size_t>(buffer.size(), INT_MAX));
    // An end of stream without close_notify fails here (OpenSSL 3 reports it as an error), so
    // a truncated close-delimited body is never taken for a complete one.
    auto n = drive([&] { return SSL_read(ssl_.get(), buffer.data(), len); }, deadline,
                   "waiting for the response");
    if (!n) return n.error();
    return static_cast<std::size_t>(*n);
  }

  Result<void> handshake(Deadline deadline) {
    auto rc = drive([&] { return SSL_connect(ssl_.get()); }, deadline, "TLS handshake");
    if (!rc) return rc.error();
    if (*rc == 0) return Error::make(Errc::network_error, "the TLS peer closed during the handshake");
    // SSL_VERIFY_PEER already failed the handshake otherwise; checked again so that a change
    // of verify mode elsewhere can never let an unverified peer through.
    if (SSL_get_verify_result(ssl_.get()) != X509_V_OK) {
      return Error::make(Errc::network_error, "TLS certificate verification failed");
    }
    healthy_ = true;
    return {};
  }

 private:
  std::shared_ptr<TlsContext> context_;  // keeps the SSL_CTX alive as long as the SSL
  Fd fd_;
  std::unique_ptr<SSL, SslFree> ssl_;
  SocketBio* bio_;  // owned by the BIO, which the SSL owns
  bool healthy_ = false;  // handshake done and no fatal error since: close_notify may be sent
};

}  // namespace

Result<std::shared_ptr<TlsContext>> TlsContext::create(const HttpTransportOptions& options) {
  ERR_clear_error();
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == nullptr) return Error::make(Errc::internal, "cannot create a TLS context: " + openssl_error_text());
  std::shared_ptr<TlsContext> context(new TlsContext(ctx));
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  if (options.use_default_ca_paths && SSL_CTX_set_default_verify_paths(ctx) != 1) {
    return Error::make(Errc::io_error, "cannot load the system CA store: " + openssl_error_text());
  }
  if (!options.extra_ca_file.empty() &&
      SSL_CTX_load_verify_locations(ctx, options.extra_ca_file.c_str(), nullptr) != 1) {
    return Error::make(Errc::invalid_value,
                       "cannot load CA file " + quoted(options.extra_ca_file) + ": " + openssl_error_text(),
                       options.extra_ca_file);
  }
  return context;
}

TlsContext::~TlsContext() { SSL_CTX_free(static_cast<SSL_CTX*>(ctx_)); }

Result<std::unique_ptr<Stream>> tls_stream(std::shared_ptr<TlsContext> context, Fd fd, const Url& url,
                                           Deadline deadline) {
  ERR_clear_error();
  SSL* raw = SSL_new(static_cast<SSL_CTX*>(context->native()));
  if (raw == nullptr) return Error::make(Errc::internal, "cannot create a TLS session: " + openssl_error_text());
  std::unique_ptr<SSL, SslFree> ssl(raw);

  const BIO_METHOD* method = socket_bio_method();
  BIO* bio = method == nullptr ? nullptr : BIO_new(method);
  if (bio == nullptr) return Error::make(Errc::internal, "cannot create a TLS socket BIO: " + openssl_error_text());
  // mutate: next-line lit.int.one: drive() resets last_errno before every SSL call, the only reads follow one
  auto* state = new SocketBio{fd.get(), 0};
  BIO_set_data(bio, state);
  SSL_set_bio(ssl.get(), bio, bio);  // the SSL owns the BIO now

  // An IP literal is checked against the certificate's IP addresses and sent without SNI
  // (RFC 6066 forbids literals there); a name gets SNI and a name check.
  const bool is_ip = url.host_is_ipv6 || [&] {
    in_addr v4{};
    return ::inet_pton(AF_INET, url.host.c_str(), &v4) == 1;
  }();
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl.get());
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  const bool named = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(param, url.host.c_str()) == 1
                           : SSL_set_tlsext_host_name(ssl.get(), url.host.c_str()) == 1 &&
                                 SSL_set1_host(ssl.get(), url.host.c_str()) == 1;
  if (!named) {
    return Error::make(Errc::invalid_value, "cannot set the TLS peer name " + quoted(url.host) + ": " +
                                                openssl_error_text(),
                       url.host);
  }

  auto stream = std::make_unique<TlsStream>(std::move(context), std::move(fd), ssl.release(), state);
  if (auto done = stream->handshake(deadline); !done) return done.error();
  return std::unique_ptr<Stream>(std::move(stream));
}

}  // namespace sqlink::resolver_detail
