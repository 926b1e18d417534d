// The HTTP response parser on scripted bytes: heads, every body framing, the size cap and
// truncation, fed whole and one byte at a time (the split points a socket may produce).
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "resolver/internal.hpp"

namespace sqlink {
namespace {

using resolver_detail::ResponseParser;
using State = ResponseParser::State;

struct Parsed {
  bool ok = false;
  Errc code = Errc::ok;
  std::string message;
  int status = 0;
  std::string body;
  std::string location;
};

// Feeds `wire` in pieces of `step` bytes; begins the body after the head; ends with EOF if the
// parser is not done when the bytes run out.
Parsed parse(std::string_view wire, std::uint64_t cap, std::size_t step) {
  ResponseParser parser(cap);
  Parsed out;
  auto failed = [&](const Error& e) {
    out.code = e.code;
    out.message = e.message;
    out.status = parser.status();
    return out;
  };
  std::string_view rest = wire;
  while (parser.state() != State::done) {
    if (parser.state() == State::head_done) {
      out.location = std::string(parser.header("location").value_or(""));
      if (auto begun = parser.begin_body(); !begun) return failed(begun.error());
      continue;
    }
    if (rest.empty()) {
      if (auto end = parser.finish(); !end) return failed(end.error());
      break;
    }
    const std::string_view piece = rest.substr(0, step);
    auto used = parser.feed(piece);
    if (!used) return failed(used.error());
    rest.remove_prefix(*used);
  }
  out.ok = true;
  out.status = parser.status();
  out.body = parser.body();
  return out;
}

class TransportResponse : public ::testing::TestWithParam<std::size_t> {
 protected:
  Parsed run(std::string_view wire, std::uint64_t cap = 1000) { return parse(wire, cap, GetParam()); }
};

TEST_P(TransportResponse, ContentLengthBody) {
  const Parsed p = run("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhelloEXTRA");
  ASSERT_TRUE(p.ok) << p.message;
  EXPECT_EQ(p.status, 200);
  EXPECT_EQ(p.body, "hello");  // bytes past Content-Length are not body
}

TEST_P(TransportResponse, ChunkedBodyWithExtensionsAndTrailers) {
  const Parsed p = run(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"
      "5;name=value\r\nhello\r\nA\r\n, world!!!\r\n0\r\nX-Trailer: t\r\n\r\n");
  ASSERT_TRUE(p.ok) << p.message;
  EXPECT_EQ(p.body, "hello, world!!!");  // chunked wins over Content-Length
}

TEST_P(TransportResponse, CloseDelimitedBody) {
  const Parsed p = run("HTTP/1.0 200 OK\nServer: lf-only\n\nuntil the end");
  ASSERT_TRUE(p.ok) << p.message;
  EXPECT_EQ(p.body, "until the end");
}

TEST_P(TransportResponse, InterimResponsesAreSkipped) {
  const Parsed p = run("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early\r\nLink: x\r\n\r\n"
                       "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  ASSERT_TRUE(p.ok) << p.message;
  EXPECT_EQ(p.status, 200);
  EXPECT_EQ(p.body, "ok");
}

TEST_P(TransportResponse, EndlessInterimResponsesAreRefused) {
  std::string wire;
  for (int i = 0; i < 50; ++i) wire += "HTTP/1.1 100 Continue\r\n\r\n";
  wire += "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  EXPECT_EQ(run(wire).code, Errc::network_error);
}

TEST_P(TransportResponse, NoBodyFor204) {
  const Parsed p = run("HTTP/1.1 204 No Content\r\n\r\n");
  ASSERT_TRUE(p.ok) << p.message;
  EXPECT_EQ(p.body, "");
}

TEST_P(TransportResponse, HeadersAreCaseInsensitive) {
  const Parsed p = run("HTTP/1.1 302 Found\r\nLOCATION:   /next  \r\ncontent-length: 0\r\n\r\n");
  ASSERT_TRUE(p.ok) << p.message;
  EXPECT_EQ(p.status, 302);
  EXPECT_EQ(p.location, "/next");
}

TEST_P(TransportResponse, BodyExactlyAtTheCapIsAccepted) {
  EXPECT_TRUE(run("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789", 10).ok);
  EXPECT_TRUE(run("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n0123\r\n6\r\n456789\r\n0\r\n\r\n", 10).ok);
  EXPECT_TRUE(run("HTTP/1.1 200 OK\r\n\r\n0123456789", 10).ok);
}

TEST_P(TransportResponse, DeclaredLengthOverTheCapIsRefusedBeforeTheBody) {
  const Parsed p = run("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n", 10);
  EXPECT_EQ(p.code, Errc::too_large) << p.message;
  EXPECT_NE(p.message.find("11"), std::string::npos) << p.message;
}

TEST_P(TransportResponse, ChunkedBodyGrowingPastTheCapIsRefused) {
  // The second chunk would make 12 bytes: refused at its size line, before its data.
  const Parsed p = run("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n012345\r\n6\r\n", 10);
  EXPECT_EQ(p.code, Errc::too_large) << p.message;
}

TEST_P(TransportResponse, CloseDelimitedBodyPastTheCapIsRefused) {
  const Parsed p = run("HTTP/1.1 200 OK\r\n\r\n0123456789A", 10);
  EXPECT_EQ(p.code, Errc::too_large) << p.message;
}

TEST_P(TransportResponse, TruncatedBodiesAreErrors) {
  EXPECT_EQ(run("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01234").code, Errc::network_error);
  EXPECT_EQ(run("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n012").code, Errc::network_error);
  EXPECT_EQ(run("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n01234\r\n").code, Errc::network_error);
  EXPECT_EQ(run("HTTP/1.1 200 OK\r\nContent-Le").code, Errc::network_error);
  EXPECT_EQ(run("").code, Errc::network_error);
}

TEST_P(TransportResponse, MalformedHeadsAreErrors) {
  for (std::string_view wire : {
           "HTP/1.1 200 OK\r\n\r\n",
           "HTTP/1.1 2x0 OK\r\n\r\n",
           "HTTP/1.1 200OK\r\n\r\n",
           "HTTP/2 200 OK\r\n\r\n",
           "HTTP/1.1 200 OK\r\nBad Header: x\r\n\r\n",
           "HTTP/1.1 200 OK\r\nNoColon\r\n\r\n",
           "HTTP/1.1 200 OK\r\nA: b\r\n folded\r\n\r\n",
           "HTTP/1.1 101 Switching Protocols\r\n\r\n",
           "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
           "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
           "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n",
           "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
           "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n",
           "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXY\r\n0\r\n\r\n",
       }) {
    const Parsed p = run(wire, 1u << 20);
    EXPECT_FALSE(p.ok) << wire;
    EXPECT_EQ(p.code, Errc::network_error) << wire << ": " << p.message;
  }
  EXPECT_EQ(run("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n").code, Errc::unsupported);
}

TEST_P(TransportResponse, OversizedHeadIsRefused) {
  const std::string wire = "HTTP/1.1 200 OK\r\nX: " + std::string(limits::kMaxHttpHeaderBytes, 'a') + "\r\n\r\n";
  EXPECT_EQ(run(wire).code, Errc::too_large);
}

INSTANTIATE_TEST_SUITE_P(Pieces, TransportResponse, ::testing::Values(std::size_t{1}, std::size_t{7}, std::size_t{1} << 20),
                         [](const auto& info) { return "step" + std::to_string(info.param); });

// The cap is on what is held: a 1 MiB chunk announced against a 10-byte cap is refused before
// a byte of it is buffered.
TEST(TransportResponseCap, NothingPastTheCapIsBuffered) {
  ResponseParser parser(10);
  auto used = parser.feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
  ASSERT_TRUE(used.ok());
  ASSERT_TRUE(parser.begin_body().ok());
  auto first = parser.feed("8\r\n01234567\r\n");
  ASSERT_TRUE(first.ok());
  auto big = parser.feed("100000\r\n" + std::string(4096, 'x'));
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().code, Errc::too_large);
  EXPECT_LE(parser.body().size(), 10u);
}

}  // namespace
}  // namespace sqlink
