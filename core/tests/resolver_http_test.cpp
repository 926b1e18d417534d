// End to end: the resolver fetching through the real HttpTransport from an in-process HTTP
// server on 127.0.0.1, verifying, storing and binding; then answering from the binding.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "sqlink/resolver.hpp"
#include "sqlink/transport.hpp"
#include "support/http_server.hpp"
#include "support/resolver_fakes.hpp"

namespace sqlink {
namespace {

using namespace std::chrono_literals;
using testing::HttpReply;
using testing::HttpServer;
using testing::MemoryStore;

const std::string kGood = "\x7f" "ELF served over loopback";

class ResolverHttpTest : public ::testing::Test {
 protected:
  ResolverHttpTest() : transport_(loopback()) {
    options_.limits.timeout = 3s;
    options_.limits.max_bytes = 1 << 20;
  }
  static HttpTransportOptions loopback() {
    HttpTransportOptions options;
    options.allow_insecure_loopback = true;
    return options;
  }

  HttpServer server_;
  HttpTransport transport_;
  MemoryStore store_;
  ResolveOptions options_;
};

TEST_F(ResolverHttpTest, FetchesVerifiesStoresAndThenUsesTheBinding) {
  server_.route("/old/uuid.so", HttpReply::redirect(302, "/uuid.so"));
  HttpReply reply = HttpReply::ok(kGood);
  reply.framing = HttpReply::Framing::chunked;
  server_.route("/uuid.so", reply);
  const std::string url = server_.url("/old/uuid.so");
  Resolver resolver(store_, &transport_, options_);
  const ArtifactRef ref{url, sha256(kGood), {Source::https}, {}};

  auto first = resolver.resolve(ref);
  ASSERT_TRUE(first.ok()) << first.error().to_string();
  EXPECT_EQ(first->answered_by, Step::https);
  EXPECT_EQ(first->bytes, kGood);
  EXPECT_EQ(store_.uris.at(url), sha256(kGood));  // bound under the URI asked for
  EXPECT_EQ(server_.hits("/uuid.so"), 1u);

  auto second = resolver.resolve(ref);
  ASSERT_TRUE(second.ok()) << second.error().to_string();
  EXPECT_EQ(second->answered_by, Step::uri_binding);
  EXPECT_EQ(server_.hits("/uuid.so"), 1u);  // the server was not asked again
}

TEST_F(ResolverHttpTest, WrongBytesFromTheServerAreRefused) {
  server_.route("/uuid.so", HttpReply::ok("\x7f" "ELF something else"));
  const std::string url = server_.url("/uuid.so");
  Resolver resolver(store_, &transport_, options_);
  auto got = resolver.resolve({url, sha256(kGood), {Source::https}, {}});
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, Errc::corrupt) << got.error().message;
  EXPECT_NE(got.error().message.find(quoted(url)), std::string::npos);
  EXPECT_EQ(store_.puts, 0);
}

TEST_F(ResolverHttpTest, TransportErrorsSurfaceWithTheirCodes) {
  HttpReply slow = HttpReply::ok(kGood);
  slow.delay = 3s;
  server_.route("/slow.so", slow);
  options_.limits.timeout = 300ms;
  Resolver resolver(store_, &transport_, options_);
  const auto start = std::chrono::steady_clock::now();
  auto timed_out = resolver.resolve({server_.url("/slow.so"), std::nullopt, {Source::https}, {}});
  ASSERT_FALSE(timed_out.ok());
  EXPECT_EQ(timed_out.error().code, Errc::timeout) << timed_out.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);

  auto missing = resolver.resolve({server_.url("/absent.so"), std::nullopt, {Source::https}, {}});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::network_error);
  EXPECT_NE(missing.error().message.find("404"), std::string::npos) << missing.error().message;
}

}  // namespace
}  // namespace sqlink
