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

TEST_P(TransportResponse, HeaderNamesMatchWholeAndInAnyCase) {
  // "Loc" is not "Location", however its letters compare; Z and z are the same letter
  const Parsed p = run("HTTP/1.1 302 Found\r\nLoc: /wrong\r\nLOCATIONZ: /no\r\nLocation: /right\r\n"
                       "Content-Length: 0\r\n\r\n");
  ASSERT_TRUE(p.ok) << p.message;
  EXPECT_EQ(p.location, "/right");
  const Parsed z = run("HTTP/1.1 200 OK\r\nTRANSFER-ENCODING: CHUNKED\r\n\r\n1\r\nz\r\n0\r\n\r\n");
  ASSERT_TRUE(z.ok) << z.message;
  EXPECT_EQ(z.body, "z");
}

TEST_P(TransportResponse, HeaderNamesAreTokens) {
  // the edges of each character range a token allows, and the bytes just past them
  for (std::string_view name : {"a", "z", "A", "Z", "0", "5", "9", "x!#$%&'*+-.^_`|~"}) {
    const Parsed p = run("HTTP/1.1 200 OK\r\n" + std::string(name) + ": v\r\nContent-Length: 0\r\n\r\n");
    EXPECT_TRUE(p.ok) << name << ": " << p.message;
  }
  for (std::string_view name : {"x{", "x[", "x\\", "x;", "x@", "x/", "x\x7f"}) {
    const Parsed p = run("HTTP/1.1 200 OK\r\n" + std::string(name) + ": v\r\nContent-Length: 0\r\n\r\n");
    EXPECT_EQ(p.code, Errc::network_error) << name;
  }
}

TEST_P(TransportResponse, ALineWithoutAColonNeverEndsTheHead) {
  // "Z" is a malformed header line, not the blank line that ends the head
  for (std::string_view wire : {"HTTP/1.1 200 OK\r\nZ\nContent-Length: 0\r\n\r\n",
                                "HTTP/1.1 200 OK\r\nX-A: 1\nZ\nContent-Length: 0\r\n\r\n"}) {
    const Parsed p = run(wire);
    EXPECT_EQ(p.code, Errc::network_error) << wire;
    EXPECT_NE(p.message.find("header line"), std::string::npos) << p.message;
  }
}

TEST_P(TransportResponse, StatusLinesAtTheirEdges) {
  const Parsed bare = run("HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok");  // no reason phrase
  ASSERT_TRUE(bare.ok) << bare.message;
  EXPECT_EQ(bare.status, 200);
  const Parsed teapot = run("HTTP/1.1 418 I'm a teapot\r\nContent-Length: 0\r\n\r\n");
  ASSERT_TRUE(teapot.ok) << teapot.message;
  EXPECT_EQ(teapot.status, 418);
  const Parsed nines = run("HTTP/1.1 299 X\r\nContent-Length: 0\r\n\r\n");
  ASSERT_TRUE(nines.ok) << nines.message;
  EXPECT_EQ(nines.status, 299);
  // below 100 is a final status, not an interim one
  const Parsed low = run("HTTP/1.1 099 Odd\r\nContent-Length: 0\r\n\r\n");
  ASSERT_TRUE(low.ok) << low.message;
  EXPECT_EQ(low.status, 99);
  for (std::string_view wire : {"HTTP/1.1 20\r\n\r\n", "HTTP/2.0 200 OK\r\n\r\n", "HTTP/1.1 2/0 OK\r\n\r\n",
                                "HTTP/1.1 20: OK\r\n\r\n", "HTTP/1.1 200\tOK\r\n\r\n"}) {
    const Parsed p = run(wire);
    EXPECT_EQ(p.code, Errc::network_error) << wire;
    EXPECT_NE(p.message.find("status line"), std::string::npos) << wire << ": " << p.message;
  }
  const Parsed upgrade = run("HTTP/1.1 101 Switching Protocols\r\n\r\n");
  EXPECT_NE(upgrade.message.find("switching protocols"), std::string::npos) << upgrade.message;
}

TEST_P(TransportResponse, EightInterimResponsesAreAllowedAndForgotten) {
  std::string wire;
  for (int i = 0; i < 8; ++i) wire += "HTTP/1.1 103 Early Hints\r\nLocation: /early\r\n\r\n";
  const Parsed p = run(wire + "HTTP/1.1 302 Found\r\nContent-Length: 0\r\n\r\n");
  ASSERT_TRUE(p.ok) << p.message;
  EXPECT_EQ(p.status, 302);
  EXPECT_EQ(p.location, "");  // an interim response's headers are not the final one's
  EXPECT_EQ(run(wire + "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\r\n").code, Errc::network_error);
  // the connection closing after an interim response: no status yet
  const Parsed cut = run("HTTP/1.1 100 Continue\r\n\r\n");
  EXPECT_EQ(cut.code, Errc::network_error);
  EXPECT_EQ(cut.status, 0);
  EXPECT_NE(cut.message.find("response head"), std::string::npos) << cut.message;
}

TEST_P(TransportResponse, NoBodyFor204And304WhateverTheirLength) {
  for (std::string_view wire : {"HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n",
                                "HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n"}) {
    const Parsed p = run(wire);
    ASSERT_TRUE(p.ok) << wire << ": " << p.message;
    EXPECT_EQ(p.body, "");
  }
}

TEST_P(TransportResponse, ContentLengthValuesAtTheirEdges) {
  const Parsed padded = run("HTTP/1.1 200 OK\r\nContent-Length: 0000000000000000005\r\n\r\nhello");
  ASSERT_TRUE(padded.ok) << padded.message;  // 19 digits
  EXPECT_EQ(padded.body, "hello");
  const Parsed twice = run("HTTP/1.1 200 OK\r\nContent-Length: 5\r\ncontent-length: 5\r\n\r\nhello");
  ASSERT_TRUE(twice.ok) << twice.message;  // the same length twice is one length
  EXPECT_EQ(twice.body, "hello");
  for (std::string_view value : {"00000000000000000005", "1a", "5:", "5 5", "+5"}) {
    const Parsed p = run("HTTP/1.1 200 OK\r\nContent-Length: " + std::string(value) + "\r\n\r\nhello");
    EXPECT_EQ(p.code, Errc::network_error) << value;
    EXPECT_NE(p.message.find("Content-Length"), std::string::npos) << p.message;
  }
}

TEST_P(TransportResponse, ChunkSizesInEveryHexDigitCase) {
  const std::string fifteen(15, 'x');
  const Parsed p = run("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                       "f\r\n" + fifteen + "\r\nF\r\n" + fifteen + "\r\nA\r\n0123456789\r\n"
                       "00000000000000a\r\n0123456789\r\n0\r\n\r\n", 1000);
  ASSERT_TRUE(p.ok) << p.message;
  EXPECT_EQ(p.body, fifteen + fifteen + "0123456789" + "0123456789");
  for (std::string_view size : {"g", "G", "_", "zz", "0000000000000001"}) {
    const Parsed bad = run("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + std::string(size) +
                           "\r\n" + std::string(64, 'x') + "\r\n0\r\n\r\n", 1000);
    EXPECT_EQ(bad.code, Errc::network_error) << size;
    EXPECT_NE(bad.message.find("chunk size"), std::string::npos) << size << ": " << bad.message;
  }
}

TEST_P(TransportResponse, ChunkLinesAndTrailersHaveTheirOwnCaps) {
  const std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  // a chunk-size line may be 4096 bytes with its CRLF, not one more
  const std::string ext_at_cap = "1;" + std::string(4096 - 4, 'e') + "\r\n";
  ASSERT_EQ(ext_at_cap.size(), 4096u);
  EXPECT_TRUE(run(head + ext_at_cap + "x\r\n0\r\n\r\n").ok);
  const Parsed long_ext = run(head + "1;" + std::string(4096, 'e') + "\r\nx\r\n0\r\n\r\n");
  EXPECT_EQ(long_ext.code, Errc::network_error);
  EXPECT_NE(long_ext.message.find("too long"), std::string::npos) << long_ext.message;
  // a trailer line may be much longer; all trailers together, CRLFs included, up to the
  // head's limit
  const std::size_t limit = limits::kMaxHttpHeaderBytes;
  const std::string at_limit = "T: " + std::string(limit - 2 - 5, 't') + "\r\n";
  const Parsed ok = run(head + "0\r\n" + at_limit + "\r\n");
  EXPECT_TRUE(ok.ok) << ok.message;
  const Parsed over = run(head + "0\r\nA: 1\r\n" + at_limit + "\r\n");
  EXPECT_EQ(over.code, Errc::network_error);
  EXPECT_NE(over.message.find("trailers too long"), std::string::npos) << over.message;
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

// The head crosses the size limit in the same piece that ends it: the bytes past the limit
// are never looked at, so the end is never seen.
TEST(TransportResponseHead, AnEndBeyondTheLimitInTheLastPieceIsNotSeen) {
  const std::string head = "HTTP/1.1 200 OK\r\nX: " + std::string(limits::kMaxHttpHeaderBytes, 'a');
  ResponseParser parser(100);
  const std::string first = head.substr(0, limits::kMaxHttpHeaderBytes - 5);
  auto used = parser.feed(first);
  ASSERT_TRUE(used.ok()) << used.error().message;
  EXPECT_EQ(*used, first.size());
  auto last = parser.feed(head.substr(first.size(), 5) + "\r\n\r\n");
  ASSERT_FALSE(last.ok());
  EXPECT_EQ(last.error().code, Errc::too_large);
}

TEST(TransportResponseHead, AHeadEndingExactlyAtTheLimitIsAccepted) {
  std::string head = "HTTP/1.1 200 OK\r\nX: ";
  head += std::string(limits::kMaxHttpHeaderBytes - head.size() - 4, 'a') + "\r\n\r\n";
  ASSERT_EQ(head.size(), limits::kMaxHttpHeaderBytes);
  ResponseParser parser(100);
  auto used = parser.feed(head.substr(0, 100));
  ASSERT_TRUE(used.ok());
  used = parser.feed(head.substr(100));
  ASSERT_TRUE(used.ok()) << used.error().message;
  EXPECT_EQ(*used, head.size() - 100);
  EXPECT_EQ(parser.state(), State::head_done);
}

TEST(TransportResponseHead, EndingBeforeTheBodyBeginsIsAnIncompleteHead) {
  ResponseParser parser(100);
  ASSERT_TRUE(parser.feed("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n").ok());
  ASSERT_EQ(parser.state(), State::head_done);
  auto end = parser.finish();
  ASSERT_FALSE(end.ok());
  EXPECT_NE(end.error().message.find("response head"), std::string::npos) << end.error().message;
  // and once the head is done, more bytes are not taken until the body begins
  auto more = parser.feed("ok");
  ASSERT_TRUE(more.ok());
  EXPECT_EQ(*more, 0u);
}

// Only a blank line (LF or CRLF, after an LF) ends the head: not a one-byte line, not a CR
// followed by something else, however the bytes around it look.
TEST(TransportResponseHead, OnlyABlankLineEndsTheHead) {
  for (std::string_view open : {"HTTP/1.1 200 OK\nZ\n", "HTTP/1.1 200 OK\n\rZ", "HTTP/1.1 200 OK\r\nZ\r\n",
                                "HTTP/1.1 200 OK\r\n\r", ""}) {
    ResponseParser parser(100);
    auto used = parser.feed(open);
    ASSERT_TRUE(used.ok()) << open << ": " << used.error().message;
    EXPECT_EQ(*used, open.size()) << open;
    EXPECT_EQ(parser.state(), State::head) << open;
  }
  ResponseParser lf_then_crlf(100);
  auto used = lf_then_crlf.feed("HTTP/1.1 200 OK\n\r\n");
  ASSERT_TRUE(used.ok()) << used.error().message;
  EXPECT_EQ(lf_then_crlf.state(), State::head_done);
  // A blank line right after a short first line ends the head too, at once.
  for (std::string_view wire : {"X\n\r\n", "\n\r\n"}) {
    ResponseParser parser(100);
    auto fed = parser.feed(wire);
    ASSERT_FALSE(fed.ok()) << wire;
    EXPECT_NE(fed.error().message.find("status line"), std::string::npos) << fed.error().message;
  }
}

TEST(TransportResponseHead, HeaderLookupFoldsEveryLetterIncludingAAndZ) {
  ResponseParser parser(100);
  ASSERT_TRUE(parser.feed("HTTP/1.1 200 OK\r\nX-ZA: 1\r\nx-az: 2\r\n\r\n").ok());
  EXPECT_EQ(parser.header("x-za").value_or("none"), "1");
  EXPECT_EQ(parser.header("X-AZ").value_or("none"), "2");
}

TEST(TransportResponseHead, AFoldedLineIsNamedAsSuch) {
  for (std::string_view wire : {"HTTP/1.1 200 OK\r\nA: b\r\n folded\r\n\r\n",
                                "HTTP/1.1 200 OK\r\nA: b\r\n\tfolded\r\n\r\n"}) {
    ResponseParser parser(100);
    auto fed = parser.feed(wire);
    ASSERT_FALSE(fed.ok()) << wire;
    EXPECT_NE(fed.error().message.find("folded header line"), std::string::npos) << fed.error().message;
  }
}

}  // namespace
}  // namespace sqlink
