// The transport's URL grammar, redirect-target resolution and scheme policy, without a network:
// every refusal here must happen before any lookup or connect, so no test needs a server.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <string_view>

#include "resolver/internal.hpp"
#include "sqlink/transport.hpp"

namespace sqlink {
namespace {

using resolver_detail::parse_url;
using resolver_detail::resolve_location;

::testing::AssertionResult FailsWith(const Error& error, Errc code, std::string_view raw) {
  if (error.code != code) {
    return ::testing::AssertionFailure() << "code " << errc_name(error.code) << " instead of "
                                         << errc_name(code) << ": " << error.message;
  }
  if (error.message.find(quoted(raw)) == std::string::npos) {
    return ::testing::AssertionFailure() << "message does not name " << quoted(raw) << ": " << error.message;
  }
  return ::testing::AssertionSuccess();
}

template <class T>
::testing::AssertionResult FailsWith(const Result<T>& result, Errc code, std::string_view raw) {
  if (result.ok()) return ::testing::AssertionFailure() << "succeeded";
  return FailsWith(result.error(), code, raw);
}

TEST(TransportUrl, ParsesSchemeHostPortAndTarget) {
  auto url = parse_url("HTTPS://Example.COM:8443/a/b.so?x=1#frag");
  ASSERT_TRUE(url.ok()) << url.error().message;
  EXPECT_EQ(url->scheme, "https");
  EXPECT_EQ(url->host, "example.com");
  EXPECT_EQ(url->port, 8443);
  EXPECT_TRUE(url->port_given);
  EXPECT_EQ(url->target, "/a/b.so?x=1");
  EXPECT_EQ(url->authority(), "example.com:8443");
  EXPECT_EQ(url->text(), "https://example.com:8443/a/b.so?x=1");
}

TEST(TransportUrl, DefaultPortsAndEmptyPaths) {
  auto https = parse_url("https://example.com");
  ASSERT_TRUE(https.ok());
  EXPECT_EQ(https->port, 443);
  EXPECT_FALSE(https->port_given);
  EXPECT_EQ(https->target, "/");
  auto http = parse_url("http://127.0.0.1:80?q");
  ASSERT_TRUE(http.ok());
  EXPECT_EQ(http->port, 80);
  EXPECT_FALSE(http->port_given);  // the default port is not repeated in Host
  EXPECT_EQ(http->target, "/?q");
  EXPECT_EQ(http->authority(), "127.0.0.1");
}

TEST(TransportUrl, Ipv6Literal) {
  auto url = parse_url("http://[::1]:8080/x");
  ASSERT_TRUE(url.ok()) << url.error().message;
  EXPECT_TRUE(url->host_is_ipv6);
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->authority(), "[::1]:8080");
  EXPECT_TRUE(url->host_is_loopback_name());
  EXPECT_TRUE(FailsWith(parse_url("http://[::1/x"), Errc::invalid_value, "http://[::1/x"));
  EXPECT_TRUE(FailsWith(parse_url("http://[fe80::1%eth0]/"), Errc::invalid_value, "http://[fe80::1%eth0]/"));
  EXPECT_TRUE(FailsWith(parse_url("http://[nonsense]/"), Errc::invalid_value, "http://[nonsense]/"));
}

TEST(TransportUrl, RefusesMalformedAndUnsafeUrls) {
  for (std::string_view bad : {"example.com/x", "https:/example.com/x", "https:///x", "https://:443/x",
                               "https://user:pw@example.com/x", "https://ex ample.com/", "https://example.com:0/",
                               "https://example.com:65536/", "https://example.com:12a/", "https://exa*mple.com/",
                               "https://example.com/\xc3\xa9"}) {
    EXPECT_TRUE(FailsWith(parse_url(bad), Errc::invalid_value, bad)) << bad;
  }
  // A CR/LF in a URL would end the request line and smuggle headers.
  const std::string crlf = "https://example.com/x\r\nHost: evil";
  EXPECT_TRUE(FailsWith(parse_url(crlf), Errc::control_character, crlf));
  const std::string huge = "https://example.com/" + std::string(limits::kMaxUrlBytes, 'a');
  EXPECT_EQ(parse_url(huge).error().code, Errc::too_long);
}

TEST(TransportUrl, EdgesOfTheGrammar) {
  // Ports: up to five digits (leading zeros included), 1..65535 both ends.
  auto five = parse_url("https://example.com:08080/");
  ASSERT_TRUE(five.ok()) << five.error().message;
  EXPECT_EQ(five->port, 8080);
  auto highest = parse_url("https://example.com:65535/");
  ASSERT_TRUE(highest.ok()) << highest.error().message;
  EXPECT_EQ(highest->port, 65535);
  auto lowest = parse_url("https://example.com:1/");
  ASSERT_TRUE(lowest.ok()) << lowest.error().message;
  EXPECT_EQ(lowest->port, 1);
  EXPECT_TRUE(FailsWith(parse_url("https://example.com:000080/"), Errc::invalid_value,
                        "https://example.com:000080/"));
  // Host names are lower-cased, 'A' to 'Z' included.
  auto upper = parse_url("https://AZ.EXAMPLE.COM/");
  ASSERT_TRUE(upper.ok()) << upper.error().message;
  EXPECT_EQ(upper->host, "az.example.com");
  // DEL is a control byte; 0x80 and above are not ASCII.
  EXPECT_TRUE(FailsWith(parse_url("https://example.com/\x7f"), Errc::control_character,
                        "https://example.com/\x7f"));
  EXPECT_TRUE(FailsWith(parse_url("https://example.com/\x80"), Errc::invalid_value,
                        "https://example.com/\x80"));
  // The length limit itself is allowed.
  std::string at_limit = "https://example.com/";
  at_limit.append(limits::kMaxUrlBytes - at_limit.size(), 'a');
  EXPECT_TRUE(parse_url(at_limit).ok());
}

TEST(TransportUrl, OtherSchemesAreUnsupported) {
  for (std::string_view url : {"ftp://example.com/x", "file:///etc/passwd", "gopher://h/"}) {
    EXPECT_TRUE(FailsWith(parse_url(url), Errc::unsupported, url)) << url;
  }
}

TEST(TransportUrl, ResolvesRedirectTargets) {
  auto base = parse_url("https://example.com:8443/dir/file.so?old=1");
  ASSERT_TRUE(base.ok());
  const auto resolved = [&](std::string_view location) {
    auto r = resolve_location(*base, location);
    return r.ok() ? *r : "error: " + r.error().message;
  };
  EXPECT_EQ(resolved("https://other.example/x"), "https://other.example/x");
  EXPECT_EQ(resolved("ftp://other.example/x"), "ftp://other.example/x");  // the policy judges it later
  EXPECT_EQ(resolved("//cdn.example/y"), "https://cdn.example/y");
  EXPECT_EQ(resolved("/abs/z?q=2#f"), "https://example.com:8443/abs/z?q=2");
  EXPECT_EQ(resolved("sibling.so"), "https://example.com:8443/dir/sibling.so");
  EXPECT_EQ(resolved("?new=2"), "https://example.com:8443/dir/file.so?new=2");
  // A scheme is a letter, then letters, digits, '+', '.' or '-', then ':'.
  EXPECT_EQ(resolved("Zz+a.b-9://h/x"), "Zz+a.b-9://h/x");
  EXPECT_EQ(resolved("a:x"), "a:x");
  EXPECT_EQ(resolved("1a:x"), "https://example.com:8443/dir/1a:x");
  EXPECT_EQ(resolved("a_b:x"), "https://example.com:8443/dir/a_b:x");
  EXPECT_EQ(resolved("~a:x"), "https://example.com:8443/dir/~a:x");
  EXPECT_EQ(resolved("{a:x"), "https://example.com:8443/dir/{a:x");
  EXPECT_TRUE(FailsWith(resolve_location(*base, ""), Errc::network_error, "https://example.com:8443/dir/file.so?old=1"));
  EXPECT_TRUE(FailsWith(resolve_location(*base, "/x\ny"), Errc::control_character, "/x\ny"));
}

TEST(TransportPolicy, HttpsIsAllowedEverywhere) {
  EXPECT_TRUE(check_fetch_url("https://example.com/x.so", {}).ok());
  EXPECT_TRUE(check_fetch_url("https://127.0.0.1:1/x.so", {}).ok());
}

TEST(TransportPolicy, HttpToLoopbackNeedsTheOption) {
  const HttpTransportOptions strict;
  HttpTransportOptions loopback;
  loopback.allow_insecure_loopback = true;
  for (std::string_view url : {"http://127.0.0.1:8080/x", "http://[::1]:8080/x", "http://localhost/x",
                               "http://LOCALHOST:1/x"}) {
    EXPECT_TRUE(FailsWith(check_fetch_url(url, strict), Errc::permission_denied, url)) << url;
    EXPECT_TRUE(check_fetch_url(url, loopback).ok()) << url;
  }
}

TEST(TransportPolicy, HttpToOtherHostsIsRefusedEvenWithTheOption) {
  HttpTransportOptions loopback;
  loopback.allow_insecure_loopback = true;
  for (std::string_view url : {"http://192.0.2.1/x", "http://example.com/x", "http://127.0.0.1.example.com/x",
                               "http://127.0.0.2/x", "http://[::ffff:127.0.0.1]/x", "http://localhost.example/x",
                               "http://0.0.0.0/x"}) {
    EXPECT_TRUE(FailsWith(check_fetch_url(url, loopback), Errc::permission_denied, url)) << url;
  }
}

TEST(TransportPolicy, OtherSchemesAreRefused) {
  HttpTransportOptions loopback;
  loopback.allow_insecure_loopback = true;
  for (std::string_view url : {"ftp://127.0.0.1/x", "file:///etc/passwd", "file:/etc/passwd", "sha256:00"}) {
    auto verdict = check_fetch_url(url, loopback);
    ASSERT_FALSE(verdict.ok()) << url;
    EXPECT_NE(verdict.error().message.find(quoted(url)), std::string::npos) << verdict.error().message;
  }
  EXPECT_EQ(check_fetch_url("ftp://127.0.0.1/x", loopback).error().code, Errc::unsupported);
  EXPECT_EQ(check_fetch_url("file:///etc/passwd", loopback).error().code, Errc::unsupported);
}

// HttpTransport applies the policy before connecting: 192.0.2.1 (TEST-NET-1) is never reached,
// so the refusal is immediate even with a long timeout.
TEST(TransportPolicy, HttpTransportRefusesBeforeConnecting) {
  HttpTransportOptions loopback;
  loopback.allow_insecure_loopback = true;
  HttpTransport transport(loopback);
  FetchLimits limits;
  limits.timeout = std::chrono::seconds(30);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(FailsWith(transport.fetch("http://192.0.2.1/x.so", limits), Errc::permission_denied,
                        "http://192.0.2.1/x.so"));
  EXPECT_TRUE(FailsWith(transport.fetch("ftp://127.0.0.1/x.so", limits), Errc::unsupported, "ftp://127.0.0.1/x.so"));
  EXPECT_TRUE(FailsWith(transport.fetch("file:///etc/passwd", limits), Errc::unsupported, "file:///etc/passwd"));
  HttpTransport strict;
  EXPECT_TRUE(FailsWith(strict.fetch("http://127.0.0.1:9/x.so", limits), Errc::permission_denied,
                        "http://127.0.0.1:9/x.so"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

TEST(TransportPolicy, LimitsAreValidated) {
  HttpTransport transport;
  FetchLimits limits;
  limits.timeout = std::chrono::milliseconds(0);
  EXPECT_TRUE(FailsWith(transport.fetch("https://example.com/x", limits), Errc::invalid_value,
                        "https://example.com/x"));
  limits.timeout = std::chrono::milliseconds(100);
  limits.max_redirects = -1;
  EXPECT_TRUE(FailsWith(transport.fetch("https://example.com/x", limits), Errc::invalid_value,
                        "https://example.com/x"));
}

}  // namespace
}  // namespace sqlink
