// The HTTP/1.1 response parser: status line, headers, and the body by its framing.
// Invariants: the head never exceeds kMaxHttpHeaderBytes and the body never exceeds max_body.
#include <algorithm>
#include <string>
#include <string_view>

#include "resolver/internal.hpp"

namespace sqlink::resolver_detail {
namespace {

constexpr std::size_t kMaxChunkLineBytes = 4096;  // a chunk-size line with its extensions
constexpr int kMaxInterimResponses = 8;           // 1xx heads before the final one

char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower(x) == lower(y); });
}

bool is_token_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Strips the line ending; LF alone is accepted as well as CRLF (RFC 9112 2.2).
std::string_view strip_eol(std::string_view line) {
  if (line.ends_with('\n')) line.remove_suffix(1);
  if (line.ends_with('\r')) line.remove_suffix(1);
  return line;
}

Error malformed(std::string_view what, std::string_view raw = {}) {
  return Error::make(Errc::network_error,
                     "malformed HTTP response: " + std::string(what) +
                         (raw.empty() ? std::string() : " " + quoted(raw)),
                     raw);
}

}  // namespace

std::optional<std::string_view> ResponseParser::header(std::string_view name) const {
  for (const auto& [key, value] : headers_) {
    if (iequals(key, name)) return std::string_view(value);
  }
  return std::nullopt;
}

Result<void> ResponseParser::grow(std::uint64_t more) const {
  if (more > max_body_ - std::min<std::uint64_t>(body_.size(), max_body_)) {
    return Error::make(Errc::too_large, "the response body exceeds the cap of " +
                                            std::to_string(max_body_) + " bytes");
  }
  return {};
}

Result<std::size_t> ResponseParser::feed(std::string_view data) {
  switch (state_) {
    case State::head:
      return feed_head(data);
    case State::head_done:
    case State::done:
      return std::size_t{0};
    case State::body:
      break;
  }
  switch (framing_) {
    case Framing::none:
      state_ = State::done;
      return std::size_t{0};
    case Framing::length: {
      const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, data.size()));
      body_.append(data.substr(0, take));
      remaining_ -= take;
      if (remaining_ == 0) state_ = State::done;
      return take;
    }
    case Framing::close:
      if (auto ok = grow(data.size()); !ok) return ok.error();
      body_.append(data);
      return data.size();
    case Framing::chunked:
      return feed_chunked(data);
  }
  return std::size_t{0};
}

Result<std::size_t> ResponseParser::feed_head(std::string_view data) {
  // Search only the new bytes (and the 2 before them) for the blank line that ends the head.
  const std::size_t old_size = line_.size();
  const std::size_t room = limits::kMaxHttpHeaderBytes - old_size;
  line_.append(data.substr(0, room));
  // mutate: next-line rel.lt.le: old_size 2 gives from 0 either way
  const std::size_t from = old_size < 2 ? 0 : old_size - 2;
  std::size_t end = std::string::npos;
  // mutate: next-line rel.lt.le, lit.int.zero: the extra index is line_[size()], the terminating NUL, which is neither '\n' nor '\r'
  for (std::size_t i = from; i + 1 < line_.size(); ++i) {
    if (line_[i] != '\n') continue;
    if (line_[i + 1] == '\n') { end = i + 2; break; }
    if (line_[i + 1] == '\r' &&
        // mutate: next-line rel.lt.le, rel.lt.ne, lit.int.zero: i + 1 < size, so i + 2 <= size, and line_[size()] is the terminating NUL, never '\n'
        i + 2 < line_.size() &&
        line_[i + 2] == '\n') {
      end = i + 3;
      break;
    }
  }
  if (end == std::string::npos) {
    // mutate: next-line rel.ge.eq: line_ is appended to only up to the limit, so it never passes it
    if (line_.size() >= limits::kMaxHttpHeaderBytes) {
      return Error::make(Errc::too_large, "the response head exceeds " +
                                              std::to_string(limits::kMaxHttpHeaderBytes) + " bytes");
    }
    return std::min(data.size(), room);
  }
  const std::size_t consumed = end - old_size;
  // mutate: next-line call.void.remove: parse_head stops at the blank line that ends the head, so bytes past it are never read, and line_ is cleared right after
  line_.resize(end);
  if (auto ok = parse_head(); !ok) return ok.error();
  line_.clear();
  if (status_ >= 100 && status_ < 200) {
    // Interim responses (100 Continue, 103 Early Hints) precede the real one; the caller
    // feeds the rest again. A bounded number, so a server cannot stall us with them.
    if (++interim_responses_ > kMaxInterimResponses) return malformed("too many interim 1xx responses");
    headers_.clear();
    status_ = 0;
    return consumed;
  }
  state_ = State::head_done;
  return consumed;
}

Result<void> ResponseParser::parse_head() {
  std::string_view rest = line_;
  auto next_line = [&rest] {
    const auto nl = rest.find('\n');
    // mutate: next-line lit.int.zero: substr(0, nl) only leaves out the '\n' strip_eol drops; every line read here has one, as the head ends with a blank line
    const std::string_view line = strip_eol(rest.substr(0, nl + 1));
    rest.remove_prefix(nl + 1);
    return line;
  };
  const std::string_view status_line = next_line();
  // "HTTP/1.1 200 OK": version, one space, three digits, then a space or the end.
  // mutate: next-line rel.lt.false, lit.int.zero: a shorter line is refused anyway: it is followed in line_ by its line end, which then stands where the space or a digit must be
  if (status_line.size() < 12 ||
      !status_line.starts_with("HTTP/1.") || status_line[8] != ' ' ||
      !std::all_of(status_line.begin() + 9, status_line.begin() + 12,
                   [](char c) { return c >= '0' && c <= '9'; }) ||
      // mutate: next-line rel.gt.ne: a status line shorter than 12 bytes was refused above
      (status_line.size() > 12 && status_line[12] != ' ')) {
    return malformed("status line", status_line);
  }
  status_ = (status_line[9] - '0') * 100 + (status_line[10] - '0') * 10 + (status_line[11] - '0');
  if (status_ == 101) return malformed("switching protocols was never asked for");

  for (std::string_view line = next_line(); !line.empty(); line = next_line()) {
    if (line.front() == ' ' || line.front() == '\t') return malformed("folded header line", line);
    const auto colon = line.find(':');
    const std::string_view name = line.substr(0, colon);
    // No space before the colon: proxies disagree about such names (RFC 9112 5.1).
    if (colon == std::string_view::npos || name.empty() || !std::ranges::all_of(name, is_token_char)) {
      return malformed("header line", line);
    }
    headers_.emplace_back(std::string(name), std::string(trim(line.substr(colon + 1))));
  }
  return {};
}

Result<void> ResponseParser::begin_body() {
  if (state_ != State::head_done) return Error::make(Errc::internal, "begin_body() before the response head");
  state_ = State::body;
  if (status_ == 204 || status_ == 304) {
    framing_ = Framing::none;
    state_ = State::done;
    return {};
  }
  if (const auto te = header("Transfer-Encoding")) {
    // We send Accept-Encoding: identity, so chunked is the only coding a server may use.
    if (!iequals(*te, "chunked")) {
      return Error::make(Errc::unsupported,
                         "unsupported Transfer-Encoding " + quoted(*te) + "; only chunked", *te);
    }
    framing_ = Framing::chunked;  // it overrides any Content-Length (RFC 9112 6.3)
    return {};
  }
  std::optional<std::uint64_t> length;
  for (const auto& [key, value] : headers_) {
    if (!iequals(key, "Content-Length")) continue;
    // mutate: next-line lit.int.one: overwritten when the value is digits, and never read when it is not
    std::uint64_t parsed = 0;
    const bool digits = !value.empty() && value.size() <= 19 &&
                        std::ranges::all_of(value, [](char c) { return c >= '0' && c <= '9'; });
    if (digits) parsed = std::stoull(value);
    if (!digits || (length && *length != parsed)) return malformed("Content-Length", value);
    length = parsed;
  }
  if (!length) {
    framing_ = Framing::close;
    return {};
  }
  if (*length > max_body_) {
    return Error::make(Errc::too_large, "the response declares " + std::to_string(*length) +
                                            " bytes; the cap is " + std::to_string(max_body_));
  }
  framing_ = Framing::length;
  remaining_ = *length;
  // mutate: next-line call.void.remove: capacity only
  body_.reserve(static_cast<std::size_t>(*length));
  if (remaining_ == 0) state_ = State::done;
  return {};
}

Result<std::size_t> ResponseParser::feed_chunked(std::string_view data) {
  std::size_t used = 0;
  // mutate: next-line rel.lt.ne: used grows by at most what is left of data, so it never passes data.size()
  while (used < data.size() && state_ == State::body) {
    const std::string_view rest = data.substr(used);
    if (chunk_ == Chunk::data) {
      const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, rest.size()));
      body_.append(rest.substr(0, take));
      remaining_ -= take;
      used += take;
      if (remaining_ == 0) chunk_ = Chunk::data_end;
      continue;
    }
    // The other states read one line at a time.
    const auto nl = rest.find('\n');
    const std::size_t take = nl == std::string_view::npos ? rest.size() : nl + 1;
    const std::size_t cap = chunk_ == Chunk::trailer ? limits::kMaxHttpHeaderBytes : kMaxChunkLineBytes;
    if (line_.size() + take > cap) return malformed("chunk framing line too long");
    line_.append(rest.substr(0, take));
    used += take;
    if (nl == std::string_view::npos) break;
    const std::size_t line_bytes = line_.size();  // the whole line, however it arrived
    const std::string line(strip_eol(line_));
    line_.clear();
    switch (chunk_) {
      case Chunk::size:
        if (auto ok = take_chunk_size(line); !ok) return ok.error();
        break;
      case Chunk::data_end:
        if (!line.empty()) return malformed("chunk not followed by CRLF");
        chunk_ = Chunk::size;
        break;
      case Chunk::trailer:
        trailer_bytes_ += line_bytes;
        if (trailer_bytes_ > limits::kMaxHttpHeaderBytes) return malformed("trailers too long");
        if (line.empty()) state_ = State::done;
        break;
      case Chunk::data:
        break;
    }
  }
  return used;
}

Result<void> ResponseParser::take_chunk_size(std::string_view line) {
  const std::string_view digits = trim(line.substr(0, line.find(';')));
  if (digits.empty() || digits.size() > 15) return malformed("chunk size", line);
  std::uint64_t size = 0;
  for (char c : digits) {
    const char l = lower(c);
    // mutate: next-line rel.ge.true: a byte below '0' then gives a negative value, refused like -1
    const int v = (l >= '0' && l <= '9') ? l - '0'
                  : (l >= 'a' && l <= 'f') ? l - 'a' + 10 : -1;
    if (v < 0) return malformed("chunk size", line);
    size = size * 16 + static_cast<std::uint64_t>(v);
  }
  if (size == 0) {
    chunk_ = Chunk::trailer;
    return {};
  }
  // Refused before a byte of the chunk is read: the cap holds for what is buffered.
  if (auto ok = grow(size); !ok) return ok.error();
  remaining_ = size;
  chunk_ = Chunk::data;
  return {};
}

Result<void> ResponseParser::finish() {
  if (state_ == State::done) return {};
  if (state_ == State::body && framing_ == Framing::close) {
    state_ = State::done;
    return {};
  }
  if (state_ == State::head || state_ == State::head_done) {
    return Error::make(Errc::network_error, "the connection closed before a complete response head");
  }
  if (framing_ == Framing::length) {
    return Error::make(Errc::network_error, "the connection closed after " + std::to_string(body_.size()) +
                                                " of " + std::to_string(body_.size() + remaining_) +
                                                " body bytes");
  }
  return Error::make(Errc::network_error, "the connection closed in the middle of a chunked body after " +
                                              std::to_string(body_.size()) + " bytes");
}

}  // namespace sqlink::resolver_detail
