// HttpTransport against a real HTTP server on 127.0.0.1 started in this process: statuses,
// framings, the size cap, the deadline, redirects and the scheme policy on every hop.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <string>
#include <string_view>
#include <system_error>

#include "resolver/internal.hpp"
#include "sqlink/transport.hpp"
#include "support/free_stdin.hpp"
#include "support/http_server.hpp"

namespace sqlink {
namespace {

using namespace std::chrono_literals;
using testing::HttpReply;
using testing::HttpServer;
using Clock = std::chrono::steady_clock;

::testing::AssertionResult FailsWith(const Result<FetchResult>& result, Errc code, std::string_view raw) {
  if (result.ok()) return ::testing::AssertionFailure() << "succeeded with " << result->body.size() << " bytes";
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

bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

class HttpTransportTest : public ::testing::Test {
 protected:
  HttpTransportTest() : transport_(loopback()) { limits_.timeout = 3s; limits_.max_bytes = 1 << 20; }

  static HttpTransportOptions loopback() {
    HttpTransportOptions options;
    options.allow_insecure_loopback = true;
    return options;
  }

  HttpServer server_;
  HttpTransport transport_;
  FetchLimits limits_;
};

TEST_F(HttpTransportTest, FetchesA200Body) {
  server_.route("/ext.so", HttpReply::ok("\x7f" "ELF fake extension bytes"));
  auto got = transport_.fetch(server_.url("/ext.so"), limits_);
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->body, "\x7f" "ELF fake extension bytes");
  EXPECT_EQ(got->status, 200);
  EXPECT_EQ(got->final_url, server_.url("/ext.so"));
  EXPECT_EQ(got->redirects, 0);

  const auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].target, "/ext.so");
  EXPECT_EQ(requests[0].header("Host"), "127.0.0.1:" + std::to_string(server_.port()));
  EXPECT_EQ(requests[0].header("Connection"), "close");
  EXPECT_EQ(requests[0].header("Accept-Encoding"), "identity");
  EXPECT_TRUE(requests[0].header("User-Agent").starts_with("sqlink/"));
}

TEST_F(HttpTransportTest, LocalhostMeansLoopback) {
  server_.route("/x", HttpReply::ok("via localhost"));
  const std::string url = "http://localhost:" + std::to_string(server_.port()) + "/x";
  auto got = transport_.fetch(url, limits_);
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->body, "via localhost");
}

TEST_F(HttpTransportTest, AnIpv6LiteralWithNothingListeningIsANetworkErrorNamingTheUrl) {
  // The server listens on 127.0.0.1 only: [::1] at its port refuses (or, without IPv6, no
  // socket can be made); either way an error naming the URL, never a hang.
  const std::string url = "http://[::1]:" + std::to_string(server_.port()) + "/x";
  auto got = transport_.fetch(url, limits_);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, Errc::network_error) << got.error().message;
  EXPECT_NE(got.error().message.find(quoted(url)), std::string::npos) << got.error().message;
  EXPECT_EQ(server_.hits("/x"), 0u);
}

TEST_F(HttpTransportTest, EverySuccessStatusFrom200To299ReturnsTheBody) {
  for (const int status : {200, 201, 203, 206, 299}) {
    const std::string path = "/s" + std::to_string(status);
    HttpReply reply = HttpReply::ok("body " + std::to_string(status));
    reply.status = status;
    server_.route(path, reply);
    auto got = transport_.fetch(server_.url(path), limits_);
    ASSERT_TRUE(got.ok()) << status << ": " << got.error().message;
    EXPECT_EQ(got->body, "body " + std::to_string(status));
  }
  // 300 is no redirect this client follows, and no success
  HttpReply choices = HttpReply::ok("pick one");
  choices.status = 300;
  server_.route("/choices", choices);
  auto got = transport_.fetch(server_.url("/choices"), limits_);
  ASSERT_TRUE(FailsWith(got, Errc::network_error, server_.url("/choices")));
  EXPECT_TRUE(contains(got.error().message, "HTTP status 300")) << got.error().message;
}

TEST_F(HttpTransportTest, ANegativeTimeoutIsInvalidAndOneMillisecondIsAllowed) {
  server_.route("/x", HttpReply::ok("x"));
  limits_.timeout = std::chrono::milliseconds(-1);
  auto negative = transport_.fetch(server_.url("/x"), limits_);
  ASSERT_FALSE(negative.ok());
  EXPECT_EQ(negative.error().code, Errc::invalid_value);
  limits_.timeout = std::chrono::milliseconds(1);
  auto short_one = transport_.fetch(server_.url("/x"), limits_);
  if (!short_one.ok()) {
    EXPECT_EQ(short_one.error().code, Errc::timeout) << short_one.error().message;
  }
}

TEST_F(HttpTransportTest, EmptyBody) {
  server_.route("/empty", HttpReply::ok(""));
  auto got = transport_.fetch(server_.url("/empty"), limits_);
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->body, "");
}

TEST_F(HttpTransportTest, NotFoundNamesUrlAndStatus) {
  const std::string url = server_.url("/missing.so");
  auto got = transport_.fetch(url, limits_);
  ASSERT_TRUE(FailsWith(got, Errc::network_error, url));
  EXPECT_TRUE(contains(got.error().message, "404")) << got.error().message;
}

TEST_F(HttpTransportTest, ServerErrorNamesUrlAndStatus) {
  server_.route("/boom", HttpReply::status_only(500));
  const std::string url = server_.url("/boom");
  auto got = transport_.fetch(url, limits_);
  ASSERT_TRUE(FailsWith(got, Errc::network_error, url));
  EXPECT_TRUE(contains(got.error().message, "500")) << got.error().message;
}

TEST_F(HttpTransportTest, ChunkedBodyIsReassembled) {
  HttpReply reply = HttpReply::ok(std::string(3000, 'c'));
  reply.framing = HttpReply::Framing::chunked;
  reply.repeat = 7;
  server_.route("/chunked", reply);
  auto got = transport_.fetch(server_.url("/chunked"), limits_);
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->body, std::string(21000, 'c'));
}

TEST_F(HttpTransportTest, CloseDelimitedBody) {
  HttpReply reply = HttpReply::ok("until close");
  reply.framing = HttpReply::Framing::close;
  server_.route("/close", reply);
  auto got = transport_.fetch(server_.url("/close"), limits_);
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->body, "until close");
}

TEST_F(HttpTransportTest, BodyAtTheCapIsAcceptedOneMoreByteIsNot) {
  server_.route("/1k", HttpReply::ok(std::string(1024, 'k')));
  limits_.max_bytes = 1024;
  EXPECT_TRUE(transport_.fetch(server_.url("/1k"), limits_).ok());
  limits_.max_bytes = 1023;
  EXPECT_TRUE(FailsWith(transport_.fetch(server_.url("/1k"), limits_), Errc::too_large, server_.url("/1k")));
}

TEST_F(HttpTransportTest, ContentLengthOverTheCapIsRefusedUpFront) {
  HttpReply reply = HttpReply::ok(std::string(64 * 1024, 'x'));
  reply.repeat = 1024;  // 64 MiB announced
  server_.route("/huge", reply);
  limits_.max_bytes = 4096;
  const auto start = Clock::now();
  auto got = transport_.fetch(server_.url("/huge"), limits_);
  ASSERT_TRUE(FailsWith(got, Errc::too_large, server_.url("/huge")));
  EXPECT_TRUE(contains(got.error().message, std::to_string(64ull << 20))) << got.error().message;
  EXPECT_LT(Clock::now() - start, 2s);
}

TEST_F(HttpTransportTest, ChunkedBodyGrowingPastTheCapStopsAtTheCap) {
  HttpReply reply = HttpReply::ok(std::string(16 * 1024, 'g'));
  reply.framing = HttpReply::Framing::chunked;  // no Content-Length to judge by
  reply.repeat = 16 * 1024;                     // 256 MiB if the client kept reading
  server_.route("/endless", reply);
  limits_.max_bytes = 100 * 1024;
  const auto start = Clock::now();
  auto got = transport_.fetch(server_.url("/endless"), limits_);
  ASSERT_TRUE(FailsWith(got, Errc::too_large, server_.url("/endless")));
  EXPECT_LT(Clock::now() - start, 2s);
  server_.stop();  // let the writer notice the closed connection and settle its count
  // The client hung up near the cap; socket buffers hold at most a few MiB more.
  EXPECT_LT(server_.body_bytes_sent("/endless"), 32ull << 20);
}

TEST_F(HttpTransportTest, CloseDelimitedBodyGrowingPastTheCapStopsAtTheCap) {
  HttpReply reply = HttpReply::ok(std::string(16 * 1024, 'g'));
  reply.framing = HttpReply::Framing::close;
  reply.repeat = 16 * 1024;
  server_.route("/endless", reply);
  limits_.max_bytes = 100 * 1024;
  ASSERT_TRUE(FailsWith(transport_.fetch(server_.url("/endless"), limits_), Errc::too_large,
                        server_.url("/endless")));
}

TEST_F(HttpTransportTest, BodyShorterThanItsContentLengthIsAnError) {
  HttpReply reply = HttpReply::ok("only fifty bytes? no, fewer");
  reply.declared_length = 100;
  server_.route("/short", reply);
  auto got = transport_.fetch(server_.url("/short"), limits_);
  ASSERT_TRUE(FailsWith(got, Errc::network_error, server_.url("/short")));
  EXPECT_TRUE(contains(got.error().message, "of 100")) << got.error().message;
}

TEST_F(HttpTransportTest, SlowServerTimesOutInBoundedTime) {
  HttpReply reply = HttpReply::ok("too late");
  reply.delay = 3s;
  server_.route("/slow", reply);
  limits_.timeout = 300ms;
  const auto start = Clock::now();
  auto got = transport_.fetch(server_.url("/slow"), limits_);
  const auto took = Clock::now() - start;
  ASSERT_TRUE(FailsWith(got, Errc::timeout, server_.url("/slow")));
  EXPECT_GE(took, 250ms);
  EXPECT_LT(took, 1500ms);
}

TEST_F(HttpTransportTest, StallInTheMiddleOfTheBodyTimesOut) {
  HttpReply reply = HttpReply::ok("body after a stall");
  reply.stall_after_head = 3s;
  server_.route("/stall", reply);
  limits_.timeout = 300ms;
  const auto start = Clock::now();
  ASSERT_TRUE(FailsWith(transport_.fetch(server_.url("/stall"), limits_), Errc::timeout, server_.url("/stall")));
  EXPECT_LT(Clock::now() - start, 1500ms);
}

TEST_F(HttpTransportTest, FollowsEveryRedirectStatus) {
  server_.route("/target", HttpReply::ok("arrived"));
  for (int status : {301, 302, 303, 307, 308}) {
    const std::string from = "/from" + std::to_string(status);
    server_.route(from, HttpReply::redirect(status, "/target"));
    auto got = transport_.fetch(server_.url(from), limits_);
    ASSERT_TRUE(got.ok()) << status << ": " << got.error().message;
    EXPECT_EQ(got->body, "arrived");
    EXPECT_EQ(got->final_url, server_.url("/target"));
    EXPECT_EQ(got->redirects, 1);
  }
  EXPECT_EQ(server_.hits("/target"), 5u);
}

TEST_F(HttpTransportTest, RelativeAndAbsoluteRedirects) {
  server_.route("/dir/final", HttpReply::ok("relative ok"));
  server_.route("/dir/start", HttpReply::redirect(302, "final"));
  server_.route("/abs", HttpReply::redirect(307, server_.url("/dir/start")));
  auto got = transport_.fetch(server_.url("/abs"), limits_);
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->body, "relative ok");
  EXPECT_EQ(got->redirects, 2);
}

TEST_F(HttpTransportTest, RedirectLoopStopsAfterMaxRedirects) {
  server_.route("/a", HttpReply::redirect(302, "/b"));
  server_.route("/b", HttpReply::redirect(302, "/a"));
  limits_.max_redirects = 3;
  auto got = transport_.fetch(server_.url("/a"), limits_);
  ASSERT_TRUE(FailsWith(got, Errc::network_error, server_.url("/a")));
  EXPECT_TRUE(contains(got.error().message, "too many redirects")) << got.error().message;
  EXPECT_EQ(server_.hits("/a") + server_.hits("/b"), 4u);  // the first request and 3 redirects
}

TEST_F(HttpTransportTest, MaxRedirectsZeroRefusesAnyRedirect) {
  server_.route("/moved", HttpReply::redirect(301, "/target"));
  server_.route("/target", HttpReply::ok("unreached"));
  limits_.max_redirects = 0;
  EXPECT_TRUE(FailsWith(transport_.fetch(server_.url("/moved"), limits_), Errc::network_error, server_.url("/moved")));
  EXPECT_EQ(server_.hits("/target"), 0u);
}

TEST_F(HttpTransportTest, RedirectWithoutLocationIsAnError) {
  server_.route("/nowhere", HttpReply::status_only(302));
  EXPECT_TRUE(FailsWith(transport_.fetch(server_.url("/nowhere"), limits_), Errc::network_error,
                        server_.url("/nowhere")));
}

TEST_F(HttpTransportTest, RedirectToDisallowedSchemesIsRefused) {
  server_.route("/to-ftp", HttpReply::redirect(302, "ftp://127.0.0.1/x.so"));
  server_.route("/to-file", HttpReply::redirect(302, "file:///etc/passwd"));
  auto ftp = transport_.fetch(server_.url("/to-ftp"), limits_);
  ASSERT_TRUE(FailsWith(ftp, Errc::unsupported, "ftp://127.0.0.1/x.so"));
  EXPECT_TRUE(contains(ftp.error().message, quoted(server_.url("/to-ftp")))) << ftp.error().message;
  EXPECT_TRUE(FailsWith(transport_.fetch(server_.url("/to-file"), limits_), Errc::unsupported, "file:///etc/passwd"));
}

TEST_F(HttpTransportTest, RedirectToANonLoopbackHttpHostIsRefusedWithoutConnecting) {
  server_.route("/away", HttpReply::redirect(302, "http://192.0.2.1/x.so"));
  const auto start = Clock::now();
  EXPECT_TRUE(FailsWith(transport_.fetch(server_.url("/away"), limits_), Errc::permission_denied,
                        "http://192.0.2.1/x.so"));
  EXPECT_LT(Clock::now() - start, 1s);  // a connect to TEST-NET-1 would hang until the timeout
}

TEST_F(HttpTransportTest, HttpWithoutTheOptionNeverConnects) {
  server_.route("/x", HttpReply::ok("secret"));
  HttpTransport strict;
  EXPECT_TRUE(FailsWith(strict.fetch(server_.url("/x"), limits_), Errc::permission_denied, server_.url("/x")));
  EXPECT_EQ(server_.connections(), 0u);
}

TEST_F(HttpTransportTest, ConnectionRefused) {
  // A bound socket that never listens: connecting to it is refused, and no one else can
  // take the port while the test runs.
  const int holder = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(holder, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::bind(holder, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::getsockname(holder, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const std::string url = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/x.so";
  const auto start = Clock::now();
  auto got = transport_.fetch(url, limits_);
  ::close(holder);
  ASSERT_TRUE(FailsWith(got, Errc::network_error, url));
  EXPECT_TRUE(contains(got.error().message, "connection refused by")) << got.error().message;
  EXPECT_FALSE(contains(got.error().message, "the limit is")) << "not a timeout: " << got.error().message;
  EXPECT_LT(Clock::now() - start, 1s);
}

TEST_F(HttpTransportTest, ServerStopsCleanlyWithAClientMidRequest) {
  HttpReply reply = HttpReply::ok("never");
  reply.delay = 10s;
  server_.route("/forever", reply);
  limits_.timeout = 200ms;
  EXPECT_TRUE(FailsWith(transport_.fetch(server_.url("/forever"), limits_), Errc::timeout, server_.url("/forever")));
  const auto start = Clock::now();
  server_.stop();  // must not wait out the 10 s delay
  EXPECT_LT(Clock::now() - start, 1s);
}

TEST_F(HttpTransportTest, FetchesWithDescriptorZeroFreeAndClosesIt) {
  server_.route("/x", HttpReply::ok("zero"));
  const testing::FreeStdin free_stdin;
  auto got = transport_.fetch(server_.url("/x"), limits_);
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->body, "zero");
  EXPECT_TRUE(testing::FreeStdin::zero_is_free()) << "descriptor 0 was left open";
}

// A header value carrying CRLFs lets a route script raw bytes: here whole responses after a
// 100 Continue, all in one write.
HttpReply after_interim(const std::string& raw_head) {
  HttpReply reply = HttpReply::status_only(100);
  reply.headers = {{"X-Interim", "1\r\n\r\n" + raw_head}};
  reply.body.clear();
  reply.framing = HttpReply::Framing::close;
  return reply;
}

TEST_F(HttpTransportTest, AnInterimResponseArrivingWithTheFinalOneIsSkipped) {
  server_.route("/x", after_interim("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
  auto got = transport_.fetch(server_.url("/x"), limits_);
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->status, 200);
  EXPECT_EQ(got->body, "ok");
}

// Only a 2xx body is read: a body under any other status is not even framed, so a framing we
// do not support cannot turn the status error into another one.
TEST_F(HttpTransportTest, BodiesOfNon2xxStatusesAreNotRead) {
  HttpReply not_found = HttpReply::status_only(404);
  not_found.headers = {{"Transfer-Encoding", "gzip"}};
  not_found.framing = HttpReply::Framing::close;
  server_.route("/404", not_found);
  // a final status below 100, which the test server cannot write by itself
  server_.route("/099", after_interim("HTTP/1.1 099 Odd\r\nTransfer-Encoding: gzip"));
  for (const auto& [target, status] : {std::pair<std::string, std::string>{"/404", "404"}, {"/099", "99"}}) {
    const std::string url = server_.url(target);
    auto got = transport_.fetch(url, limits_);
    ASSERT_TRUE(FailsWith(got, Errc::network_error, url));
    EXPECT_TRUE(contains(got.error().message, "HTTP status " + status)) << got.error().message;
  }
}

TEST_F(HttpTransportTest, NoDescriptorLeftForTheSocketIsANetworkError) {
  server_.route("/x", HttpReply::ok("unreachable"));
  // UBSan's vptr check probes memory through a pipe the first time it meets a type: let it meet
  // the error category now, while descriptors are left, or it reports a false "invalid vptr".
  const std::string emfile = std::generic_category().message(EMFILE);
  const int lowest_free = ::fcntl(0, F_DUPFD_CLOEXEC, 0);
  ASSERT_GE(lowest_free, 0);
  ::close(lowest_free);
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
  rlimit none_left = saved;
  none_left.rlim_cur = static_cast<rlim_t>(lowest_free);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &none_left), 0);
  auto got = transport_.fetch(server_.url("/x"), limits_);
  ::setrlimit(RLIMIT_NOFILE, &saved);
  ASSERT_TRUE(FailsWith(got, Errc::network_error, server_.url("/x")));
  EXPECT_TRUE(contains(got.error().message, emfile)) << got.error().message;
}

using resolver_detail::Fd;

TEST(TransportFd, OwnsItsDescriptorThroughMovesIncludingZero) {
  const testing::FreeStdin free_stdin;
  {
    Fd zero(::open("/", O_RDONLY | O_CLOEXEC));
    ASSERT_EQ(zero.get(), 0);
  }
  EXPECT_TRUE(testing::FreeStdin::zero_is_free()) << "the destructor left descriptor 0 open";

  Fd target(::open("/", O_RDONLY | O_CLOEXEC));
  ASSERT_EQ(target.get(), 0);
  Fd source(::open("/", O_RDONLY | O_CLOEXEC));
  const int moved = source.get();
  ASSERT_GT(moved, 0);
  target = std::move(source);
  EXPECT_TRUE(testing::FreeStdin::zero_is_free()) << "assignment left descriptor 0 open";
  EXPECT_EQ(target.get(), moved);
  EXPECT_EQ(source.get(), -1);
  target = Fd();
  EXPECT_EQ(::fcntl(moved, F_GETFD), -1) << "assignment left descriptor " << moved << " open";
}

TEST(TransportFd, TheLastOwnerClosesIt) {
  Fd first(::open("/", O_RDONLY | O_CLOEXEC));
  const int fd = first.get();
  ASSERT_GT(fd, 0);
  {
    Fd owner(std::move(first));
  }
  EXPECT_EQ(::fcntl(fd, F_GETFD), -1) << "the destructor left descriptor " << fd << " open";
}

TEST(TransportFd, EmptyOnesCloseNothingAndLeaveErrnoAlone) {
  errno = ENOENT;
  {
    Fd none;
    Fd other;
    other = std::move(none);
  }
  EXPECT_EQ(errno, ENOENT);
}

// A pipe nobody writes to: never ready for reading.
class TransportWait : public ::testing::Test {
 protected:
  TransportWait() {
    if (::pipe2(fds_, O_CLOEXEC) != 0) std::abort();
  }
  ~TransportWait() override {
    ::close(fds_[0]);
    ::close(fds_[1]);
  }
  int fds_[2];
};

TEST_F(TransportWait, ReadyIsReported) {
  ASSERT_EQ(::write(fds_[1], "x", 1), 1);
  EXPECT_TRUE(resolver_detail::wait_for(fds_[0], POLLIN, Clock::now() + 3s, "reading").ok());
}

TEST_F(TransportWait, NothingReadyByTheDeadlineIsATimeout) {
  const auto start = Clock::now();
  auto waited = resolver_detail::wait_for(fds_[0], POLLIN, start + 50ms, "reading");
  ASSERT_FALSE(waited.ok());
  EXPECT_EQ(waited.error().code, Errc::timeout);
  EXPECT_GE(Clock::now() - start, 50ms);
}

TEST_F(TransportWait, ADeadlineAlreadyPastIsATimeoutAtOnce) {
  const auto start = Clock::now();
  auto waited = resolver_detail::wait_for(fds_[0], POLLIN, start - 1s, "reading");
  ASSERT_FALSE(waited.ok());
  EXPECT_EQ(waited.error().code, Errc::timeout);
  EXPECT_LT(Clock::now() - start, 1s);
}

volatile sig_atomic_t g_alarms = 0;
void count_alarm(int) { g_alarms = g_alarms + 1; }

TEST_F(TransportWait, ASignalDoesNotEndTheWait) {
  struct sigaction counting {};
  struct sigaction saved {};
  counting.sa_handler = count_alarm;
  ::sigemptyset(&counting.sa_mask);
  ASSERT_EQ(::sigaction(SIGALRM, &counting, &saved), 0);
  g_alarms = 0;
  itimerval once{};
  once.it_value.tv_usec = 50'000;
  ASSERT_EQ(::setitimer(ITIMER_REAL, &once, nullptr), 0);
  auto waited = resolver_detail::wait_for(fds_[0], POLLIN, Clock::now() + 300ms, "reading");
  ::sigaction(SIGALRM, &saved, nullptr);
  EXPECT_EQ(g_alarms, 1);
  ASSERT_FALSE(waited.ok());
  EXPECT_EQ(waited.error().code, Errc::timeout);
}

TEST_F(TransportWait, WaitingDoesNotSpin) {
  rusage before{};
  rusage after{};
  ASSERT_EQ(::getrusage(RUSAGE_THREAD, &before), 0);
  auto waited = resolver_detail::wait_for(fds_[0], POLLIN, Clock::now() + 400ms, "reading");
  ASSERT_EQ(::getrusage(RUSAGE_THREAD, &after), 0);
  EXPECT_FALSE(waited.ok());
  const auto cpu_ms = [](const rusage& u) {
    return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1000 +
           (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1000;
  };
  EXPECT_LT(cpu_ms(after) - cpu_ms(before), 150) << "ms of CPU spent waiting 400 ms";
}

}  // namespace
}  // namespace sqlink
