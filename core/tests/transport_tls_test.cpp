// HttpTransport over TLS against an in-process https server on 127.0.0.1 with a certificate made
// by the test: trust through extra_ca_file, name and IP verification, and no https -> http.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <thread>

#include "sqlink/transport.hpp"
#include "support/http_server.hpp"

namespace sqlink {
namespace {

using namespace std::chrono_literals;
using testing::HttpReply;
using testing::HttpServer;
using testing::TlsIdentity;

namespace fs = std::filesystem;

// A PEM file in a fresh temporary directory, removed afterwards.
class PemFile {
 public:
  explicit PemFile(const std::string& pem) {
    std::string tmpl = (fs::temp_directory_path() / "sqlink-tls-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
    dir_ = tmpl;
    path_ = dir_ + "/ca.pem";
    std::ofstream(path_) << pem;
  }
  ~PemFile() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  PemFile(const PemFile&) = delete;
  PemFile& operator=(const PemFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string dir_, path_;
};

::testing::AssertionResult FailsWith(const Result<FetchResult>& result, Errc code, std::string_view raw) {
  if (result.ok()) return ::testing::AssertionFailure() << "succeeded";
  const Error& error = result.error();
  if (error.code != code) {
    return ::testing::AssertionFailure() << "code " << errc_name(error.code) << " instead of "
                                         << errc_name(code) << ": " << error.message;
  }
  if (error.message.find(quoted(raw)) == std::string::npos) {
    return ::testing::AssertionFailure() << "message does not name " << quoted(raw) << ": " << error.message;
  }
  return ::testing::AssertionSuccess();
}

HttpTransportOptions trusting(const PemFile& ca) {
  HttpTransportOptions options;
  options.extra_ca_file = ca.path();
  options.use_default_ca_paths = false;
  return options;
}

class HttpsTransportTest : public ::testing::Test {
 protected:
  HttpsTransportTest()
      : identity_(TlsIdentity::self_signed({"localhost"}, {"127.0.0.1"})),
        ca_(identity_.cert_pem),
        server_(identity_) {
    limits_.timeout = 3s;
    limits_.max_bytes = 1 << 20;
  }

  TlsIdentity identity_;
  PemFile ca_;
  HttpServer server_;
  FetchLimits limits_;
};

TEST_F(HttpsTransportTest, FetchesOverVerifiedTlsByIpAndByName) {
  server_.route("/ext.so", HttpReply::ok("tls bytes"));
  HttpTransport transport(trusting(ca_));
  auto by_ip = transport.fetch(server_.url("/ext.so"), limits_);
  ASSERT_TRUE(by_ip.ok()) << by_ip.error().message;
  EXPECT_EQ(by_ip->body, "tls bytes");
  EXPECT_TRUE(by_ip->final_url.starts_with("https://127.0.0.1:"));

  auto by_name = transport.fetch("https://localhost:" + std::to_string(server_.port()) + "/ext.so", limits_);
  ASSERT_TRUE(by_name.ok()) << by_name.error().message;
  EXPECT_EQ(by_name->body, "tls bytes");
  EXPECT_EQ(server_.hits("/ext.so"), 2u);
}

TEST_F(HttpsTransportTest, ChunkedAndRedirectOverTls) {
  HttpReply reply = HttpReply::ok(std::string(5000, 't'));
  reply.framing = HttpReply::Framing::chunked;
  reply.repeat = 20;
  server_.route("/big", reply);
  server_.route("/old", HttpReply::redirect(301, "/big"));
  HttpTransport transport(trusting(ca_));
  auto got = transport.fetch(server_.url("/old"), limits_);
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->body.size(), 100000u);
  EXPECT_EQ(got->redirects, 1);
}

TEST_F(HttpsTransportTest, UntrustedCertificateIsRefusedBeforeTheRequest) {
  server_.route("/ext.so", HttpReply::ok("must not arrive"));
  HttpTransportOptions no_trust;
  no_trust.use_default_ca_paths = false;  // the system store cannot know our test CA either
  HttpTransport transport(no_trust);
  auto got = transport.fetch(server_.url("/ext.so"), limits_);
  ASSERT_TRUE(FailsWith(got, Errc::network_error, server_.url("/ext.so")));
  EXPECT_NE(got.error().message.find("certificate"), std::string::npos) << got.error().message;
  EXPECT_EQ(server_.hits("/ext.so"), 0u);
}

// The handshake itself refuses the peer, so the message carries OpenSSL's reason; and nothing
// is left in this thread's OpenSSL error queue for the caller to trip over.
TEST_F(HttpsTransportTest, AnUntrustedCertificateFailsTheHandshakeWithItsReason) {
  HttpTransportOptions no_trust;
  no_trust.use_default_ca_paths = false;
  HttpTransport transport(no_trust);
  ERR_clear_error();
  auto got = transport.fetch(server_.url("/ext.so"), limits_);
  ASSERT_TRUE(FailsWith(got, Errc::network_error, server_.url("/ext.so")));
  EXPECT_NE(got.error().message.find("TLS certificate verification failed: "), std::string::npos)
      << got.error().message;
  EXPECT_EQ(ERR_peek_error(), 0ul) << "an OpenSSL error was left queued";
}

TEST_F(HttpsTransportTest, ANameThatIsNotAnAddressLiteralIsLookedUp) {
  // "127.1" is no literal for inet_pton(): it goes through getaddrinfo(), which reads it as
  // 127.0.0.1 without asking a DNS server; the certificate names it as a DNS name
  const TlsIdentity named = TlsIdentity::self_signed({"127.1"}, {});
  HttpServer server(named);
  server.route("/ext.so", HttpReply::ok("looked up"));
  PemFile named_ca(named.cert_pem);
  HttpTransport transport(trusting(named_ca));
  const std::string url = "https://127.1:" + std::to_string(server.port()) + "/ext.so";
  auto got = transport.fetch(url, limits_);
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->body, "looked up");
  EXPECT_EQ(server.hits("/ext.so"), 1u);
}

TEST_F(HttpsTransportTest, ANameThatDoesNotResolveIsANetworkErrorNamingIt) {
  HttpTransport transport(trusting(ca_));
  const std::string url = "https://sqlink-no-such-host.invalid:" + std::to_string(server_.port()) + "/x";
  auto got = transport.fetch(url, limits_);
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(got.error().code == Errc::network_error || got.error().code == Errc::timeout)
      << errc_name(got.error().code) << ": " << got.error().message;
  EXPECT_NE(got.error().message.find("sqlink-no-such-host.invalid"), std::string::npos)
      << got.error().message;
  if (got.error().code == Errc::network_error) {  // the lookup failed (rather than hung)
    EXPECT_NE(got.error().message.find("cannot look up host"), std::string::npos) << got.error().message;
    EXPECT_EQ(got.error().message.find("no addresses"), std::string::npos) << got.error().message;
  }
}

TEST_F(HttpsTransportTest, CertificateForAnotherNameIsRefused) {
  const TlsIdentity other = TlsIdentity::self_signed({"other.example"}, {"10.0.0.1"});
  HttpServer impostor(other);
  impostor.route("/ext.so", HttpReply::ok("impostor"));
  PemFile other_ca(other.cert_pem);
  HttpTransport transport(trusting(other_ca));  // trusted, but not for 127.0.0.1 or localhost
  for (const std::string& url : {impostor.url("/ext.so"),
                                 "https://localhost:" + std::to_string(impostor.port()) + "/ext.so"}) {
    auto got = transport.fetch(url, limits_);
    ASSERT_TRUE(FailsWith(got, Errc::network_error, url));
    EXPECT_NE(got.error().message.find("certificate"), std::string::npos) << got.error().message;
  }
  EXPECT_EQ(impostor.hits("/ext.so"), 0u);
}

TEST_F(HttpsTransportTest, RedirectFromHttpsToHttpIsRefused) {
  HttpServer plain;
  plain.route("/ext.so", HttpReply::ok("downgraded"));
  server_.route("/down", HttpReply::redirect(302, plain.url("/ext.so")));
  HttpTransportOptions options = trusting(ca_);
  options.allow_insecure_loopback = true;  // http to loopback is allowed, but never after https
  HttpTransport transport(options);
  auto got = transport.fetch(server_.url("/down"), limits_);
  ASSERT_TRUE(FailsWith(got, Errc::permission_denied, plain.url("/ext.so")));
  EXPECT_NE(got.error().message.find(quoted(server_.url("/down"))), std::string::npos) << got.error().message;
  EXPECT_EQ(plain.connections(), 0u);
}

TEST_F(HttpsTransportTest, SlowTlsServerTimesOut) {
  HttpReply reply = HttpReply::ok("late");
  reply.delay = 3s;
  server_.route("/slow", reply);
  HttpTransport transport(trusting(ca_));
  limits_.timeout = 300ms;
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(FailsWith(transport.fetch(server_.url("/slow"), limits_), Errc::timeout, server_.url("/slow")));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);
}

TEST_F(HttpsTransportTest, OversizedTlsBodyIsRefused) {
  HttpReply reply = HttpReply::ok(std::string(16 * 1024, 'o'));
  reply.framing = HttpReply::Framing::chunked;
  reply.repeat = 4096;
  server_.route("/endless", reply);
  HttpTransport transport(trusting(ca_));
  limits_.max_bytes = 64 * 1024;
  EXPECT_TRUE(FailsWith(transport.fetch(server_.url("/endless"), limits_), Errc::too_large, server_.url("/endless")));
}

TEST_F(HttpsTransportTest, MissingCaFileIsReported) {
  HttpTransportOptions options;
  options.extra_ca_file = "/nonexistent/sqlink-ca.pem";
  HttpTransport transport(options);
  auto got = transport.fetch(server_.url("/x"), limits_);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, Errc::invalid_value) << got.error().message;
  EXPECT_NE(got.error().message.find(quoted("/nonexistent/sqlink-ca.pem")), std::string::npos);
  EXPECT_NE(got.error().message.find(quoted(server_.url("/x"))), std::string::npos);
}

TEST_F(HttpsTransportTest, AMissingCaFileLeavesNoOpenSslErrorBehindAndIgnoresEarlierOnes) {
  HttpTransportOptions options;
  options.extra_ca_file = "/nonexistent/sqlink-ca.pem";
  options.use_default_ca_paths = false;  // loading those clears the queue by itself
  ERR_clear_error();
  auto clean = HttpTransport(options).fetch(server_.url("/x"), limits_);
  ASSERT_FALSE(clean.ok());
  EXPECT_EQ(ERR_peek_error(), 0ul) << "an OpenSSL error was left queued";
  // An error some other code left in the queue is not this failure's reason.
  ERR_raise(ERR_LIB_USER, 42);
  auto after_other = HttpTransport(options).fetch(server_.url("/x"), limits_);
  ERR_clear_error();
  ASSERT_FALSE(after_other.ok());
  EXPECT_EQ(after_other.error().message, clean.error().message);
}

// Accepts one connection on 127.0.0.1, takes what the client sends first, answers `reply`
// (nothing: just an end of stream) and closes.
class OneShotServer {
 public:
  explicit OneShotServer(std::string reply) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 1) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      std::abort();
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this, reply = std::move(reply)] {
      const int conn = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (conn < 0) return;
      char buffer[4096];
      // all of the ClientHello, so that closing sends a FIN and not a reset
      for (ssize_t n = ::recv(conn, buffer, sizeof buffer, 0); n > 0;
           n = ::recv(conn, buffer, sizeof buffer, MSG_DONTWAIT)) {
      }
      if (!reply.empty()) ::send(conn, reply.data(), reply.size(), MSG_NOSIGNAL);
      ::shutdown(conn, SHUT_WR);
      ::close(conn);
    });
  }
  ~OneShotServer() {
    ::shutdown(fd_, SHUT_RDWR);  // ends an accept still waiting
    thread_.join();
    ::close(fd_);
  }
  OneShotServer(const OneShotServer&) = delete;
  OneShotServer& operator=(const OneShotServer&) = delete;
  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_) + "/x"; }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

TEST_F(HttpsTransportTest, APlainHttpAnswerIsATlsErrorWithOpenSslsReason) {
  OneShotServer plain("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
  HttpTransport transport(trusting(ca_));
  auto got = transport.fetch(plain.url(), limits_);
  ASSERT_TRUE(FailsWith(got, Errc::network_error, plain.url()));
  EXPECT_NE(got.error().message.find("TLS handshake failed: error:"), std::string::npos) << got.error().message;
  EXPECT_NE(got.error().message.find("SSL routines"), std::string::npos) << got.error().message;
}

TEST_F(HttpsTransportTest, APeerClosingDuringTheHandshakeIsANetworkErrorAtOnce) {
  OneShotServer silent("");
  HttpTransport transport(trusting(ca_));
  limits_.timeout = 2s;
  auto got = transport.fetch(silent.url(), limits_);
  ASSERT_TRUE(FailsWith(got, Errc::network_error, silent.url()));
  EXPECT_NE(got.error().message.find("TLS handshake failed: connection closed"), std::string::npos)
      << got.error().message;
}

// RFC 6066 forbids an address literal as the server name: only a name is sent as SNI.
TEST_F(HttpsTransportTest, OnlyANameIsSentAsTheServerName) {
  server_.route("/ext.so", HttpReply::ok("sni"));
  HttpTransport transport(trusting(ca_));
  ASSERT_TRUE(transport.fetch(server_.url("/ext.so"), limits_).ok());
  ASSERT_TRUE(transport.fetch("https://localhost:" + std::to_string(server_.port()) + "/ext.so", limits_).ok());
  const auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].tls_server_name, "");
  EXPECT_EQ(requests[1].tls_server_name, "localhost");
}

}  // namespace
}  // namespace sqlink
