// Reaching a TCP peer within a deadline: name lookup, non-blocking connect, and the plain stream.
// Invariant: no call here blocks past its deadline; every socket is non-blocking and CLOEXEC.
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "resolver/internal.hpp"

namespace sqlink::resolver_detail {
namespace {

std::string errno_text(int err) { return std::generic_category().message(err); }

struct Address {
  sockaddr_storage storage{};
  socklen_t length = 0;
};

Address make_v4(const in_addr& addr, std::uint16_t port) {
  Address out;
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  sin.sin_addr = addr;
  std::memcpy(&out.storage, &sin, sizeof sin);
  out.length = sizeof sin;
  return out;
}

Address make_v6(const in6_addr& addr, std::uint16_t port) {
  Address out;
  sockaddr_in6 sin6{};
  sin6.sin6_family = AF_INET6;
  sin6.sin6_port = htons(port);
  sin6.sin6_addr = addr;
  std::memcpy(&out.storage, &sin6, sizeof sin6);
  out.length = sizeof sin6;
  return out;
}

// getaddrinfo() cannot be interrupted, so it runs on a detached thread that owns its share of
// this state; the caller stops waiting at the deadline and the thread finishes on its own.
struct Lookup {
  std::mutex mutex;
  std::condition_variable done_cv;
  bool done = false;
  int status = 0;
  std::vector<Address> addresses;
};

Result<std::vector<Address>> lookup_name(const Url& url, Deadline deadline) {
  auto lookup = std::make_shared<Lookup>();
  std::thread([lookup, host = url.host, port = std::to_string(url.port)] {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_ADDRCONFIG;
    addrinfo* list = nullptr;
    const int status = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &list);
    std::vector<Address> found;
    for (addrinfo* ai = list; status == 0 && ai != nullptr; ai = ai->ai_next) {
      // mutate: next-line rel.gt.false, rel.gt.ge: a SOCK_STREAM lookup returns sockaddr_in or sockaddr_in6, far smaller than sockaddr_storage
      if (ai->ai_addrlen > sizeof(sockaddr_storage)) continue;
      Address a;
      std::memcpy(&a.storage, ai->ai_addr, ai->ai_addrlen);
      a.length = static_cast<socklen_t>(ai->ai_addrlen);
      found.push_back(a);
    }
    if (list != nullptr) ::freeaddrinfo(list);
    const std::lock_guard lock(lookup->mutex);
    lookup->status = status;
    lookup->addresses = std::move(found);
    lookup->done = true;
    lookup->done_cv.notify_all();
  }).detach();

  std::unique_lock lock(lookup->mutex);
  if (!lookup->done_cv.wait_until(lock, deadline, [&] { return lookup->done; })) {
    return Error::make(Errc::timeout, "looking up host " + quoted(url.host) + " timed out", url.host);
  }
  // mutate: next-line logic.or.and: addresses are kept only when status is 0, and a successful getaddrinfo returns at least one, each of which fits
  if (lookup->status != 0 || lookup->addresses.empty()) {
    // mutate: next-line lit.int.one: status is never 0 here (see above) nor 1 (EAI_* codes are negative)
    const std::string why = lookup->status != 0 ? ::gai_strerror(lookup->status) : "no addresses";
    return Error::make(Errc::network_error, "cannot look up host " + quoted(url.host) + ": " + why,
                       url.host);
  }
  return std::move(lookup->addresses);
}

Result<std::vector<Address>> addresses_of(const Url& url, Deadline deadline) {
  in6_addr v6{};
  in_addr v4{};
  // mutate: next-line logic.and.or: a host that is not a bracketed IPv6 literal holds no ':' (parse_url splits the port off there), so inet_pton(AF_INET6) refuses it
  if (url.host_is_ipv6 && ::inet_pton(AF_INET6, url.host.c_str(), &v6) == 1) {
    return std::vector<Address>{make_v6(v6, url.port)};
  }
  if (::inet_pton(AF_INET, url.host.c_str(), &v4) == 1) {
    return std::vector<Address>{make_v4(v4, url.port)};
  }
  if (url.host == "localhost") {
    // Never looked up, so the loopback exception of the scheme policy cannot be redirected
    // elsewhere by a hosts file or a resolver.
    in_addr lo4{};
    lo4.s_addr = htonl(INADDR_LOOPBACK);
    return std::vector<Address>{make_v4(lo4, url.port), make_v6(in6addr_loopback, url.port)};
  }
  return lookup_name(url, deadline);
}

// One address: Fd on success, else the errno (or a timeout error, which ends the search).
Result<Fd> connect_one(const Address& address, const Url& url, Deadline deadline, int& err) {
  Fd fd(::socket(address.storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) {
    err = errno;
    return Error::make(Errc::network_error, "socket: " + errno_text(err));
  }
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address.storage), address.length) == 0) {
    return fd;
  }
  if (errno != EINPROGRESS) {
    err = errno;
    return Error::make(Errc::network_error, errno_text(err));
  }
  if (auto ready = wait_for(fd.get(), POLLOUT, deadline, "connecting to " + quoted(url.authority()));
      !ready) {
    err = ETIMEDOUT;
    return ready.error();
  }
  // mutate: next-line lit.int.one: getsockopt writes it on success and errno is stored on failure
  int so_error = 0;
  socklen_t len = sizeof so_error;
  if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &so_error, &len) != 0) so_error = errno;
  if (so_error != 0) {
    err = so_error;
    return Error::make(Errc::network_error, errno_text(so_error));
  }
  return fd;
}

class PlainStream final : public Stream {
 public:
  explicit PlainStream(Fd fd) : fd_(std::move(fd)) {}

  Result<void> write_all(std::string_view data, Deadline deadline) override {
    while (!data.empty()) {
      // MSG_NOSIGNAL: a peer that hung up must be an error here, not a SIGPIPE for the process.
      const ssize_t n = ::send(fd_.get(), data.data(), data.size(), MSG_NOSIGNAL);
      // mutate: next-line rel.ge.gt, lit.int.one: send() of a non-empty buffer never returns 0
      if (n >= 0) {
        data.remove_prefix(static_cast<std::size_t>(n));
      } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
        if (auto ready = wait_for(fd_.get(), POLLOUT, deadline, "sending the request"); !ready) {
          return ready.error();
        }
      } else if (errno != EINTR) {
        return Error::make(Errc::network_error, "sending the request failed: " + errno_text(errno));
      }
    }
    return {};
  }

  Result<std::size_t> read_some(std::span<char> buffer, Deadline deadline) override {
    for (;;) {
      const ssize_t n = ::recv(fd_.get(), buffer.data(), buffer.size(), 0);
      if (n >= 0) return static_cast<std::size_t>(n);
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        if (auto ready = wait_for(fd_.get(), POLLIN, deadline, "waiting for the response"); !ready) {
          return ready.error();
        }
      } else if (errno != EINTR) {
        return Error::make(Errc::network_error, "receiving the response failed: " + errno_text(errno));
      }
    }
  }

 private:
  Fd fd_;
};

}  // namespace

Fd& Fd::operator=(Fd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

Fd::~Fd() {
  if (fd_ >= 0) ::close(fd_);
}

Stream::~Stream() = default;

Result<void> wait_for(int fd, short events, Deadline deadline, std::string_view what) {
  for (;;) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      return Error::make(Errc::timeout, std::string(what) + " timed out");
    }
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, static_cast<int>(std::min<std::int64_t>(left.count(), 60'000)));
    // Errors and hang-ups count as ready: the next send/recv reports them precisely.
    if (n > 0) return {};
    // mutate: next-line rel.lt.ne: n > 0 returned above, so n != 0 means n < 0
    if (n < 0 && errno != EINTR) {
      return Error::make(Errc::network_error, std::string(what) + ": poll: " + errno_text(errno));
    }
  }
}

Result<Fd> connect_tcp(const Url& url, Deadline deadline) {
  auto addresses = addresses_of(url, deadline);
  if (!addresses) return addresses.error();
  // mutate: next-line lit.int.one: every address that fails sets it, and there is at least one address
  int last_errno = 0;
  for (const Address& address : *addresses) {
    auto fd = connect_one(address, url, deadline, last_errno);
    if (fd) return fd;
    if (fd.error().code == Errc::timeout) return fd.error();
  }
  const bool refused = last_errno == ECONNREFUSED;
  return Error::make(Errc::network_error,
                     std::string(refused ? "connection refused by " : "cannot connect to ") +
                         quoted(url.authority()) + (refused ? "" : ": " + errno_text(last_errno)),
                     url.authority());
}

std::unique_ptr<Stream> plain_stream(Fd fd) { return std::make_unique<PlainStream>(std::move(fd)); }

}  // namespace sqlink::resolver_detail
