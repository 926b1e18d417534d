// The error table's accessors, and sanitising untrusted bytes before they are echoed.
// Invariant: nothing returned by sanitize() contains a control byte or invalid UTF-8.
#include "sqlink/error.hpp"

#include <array>
#include <cstdint>

#include "sqlink/limits.hpp"

namespace sqlink {
namespace {

struct ErrcInfo {
  std::string_view name;
  int exit_code;
  std::string_view summary;
};

constexpr std::array kErrcTable = {
#define SQLINK_X(name, exit_code, summary) ErrcInfo{#name, exit_code, summary},
    SQLINK_ERRC_TABLE(SQLINK_X)
#undef SQLINK_X
};

const ErrcInfo& info(Errc code) noexcept {
  const auto index = static_cast<std::size_t>(code);
  return index < kErrcTable.size() ? kErrcTable[index] : kErrcTable.back();
}

void append_hex(std::string& out, unsigned char byte) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += "\\x";
  out += kHex[byte >> 4];
  out += kHex[byte & 0xf];
}

// Length of the well-formed UTF-8 sequence starting at s[i] (RFC 3629: no overlongs, no
// surrogates, nothing above U+10FFFF), or 0 when the bytes there are not one.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  std::size_t len = 0;
  unsigned char lo = 0x80, hi = 0xbf;  // allowed range of the second byte
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    len = 2;
  } else if (b0 >= 0xe0 && b0 <= 0xef) {
    len = 3;
    if (b0 == 0xe0) lo = 0xa0;
    if (b0 == 0xed) hi = 0x9f;
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    len = 4;
    if (b0 == 0xf0) lo = 0x90;
    if (b0 == 0xf4) hi = 0x8f;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  const auto b1 = static_cast<unsigned char>(s[i + 1]);
  if (b1 < lo || b1 > hi) return 0;
  // mutate: next-line rel.lt.ne: k steps by one from 2 and len is 2, 3 or 4
  for (std::size_t k = 2; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if (b < 0x80 || b > 0xbf) return 0;
  }
  return len;
}

}  // namespace

std::string_view errc_name(Errc code) noexcept { return info(code).name; }
std::string_view errc_summary(Errc code) noexcept { return info(code).summary; }
int errc_exit_code(Errc code) noexcept { return info(code).exit_code; }

std::string sanitize(std::string_view raw, std::size_t max_bytes) {
  const bool cut = raw.size() > max_bytes;
  if (cut) raw = raw.substr(0, max_bytes);
  std::string out;
  // mutate: next-line call.void.remove, lit.int.zero: capacity only
  out.reserve(raw.size() + 8);
  // mutate: next-line rel.lt.ne: i advances by whole sequences, which utf8_sequence_length only reports when they end within raw
  for (std::size_t i = 0; i < raw.size();) {
    const auto byte = static_cast<unsigned char>(raw[i]);
    if (byte < 0x20 || byte == 0x7f) {
      append_hex(out, byte);
      ++i;
    } else if (byte < 0x80) {
      out += static_cast<char>(byte);
      ++i;
    } else if (const std::size_t len = utf8_sequence_length(raw, i); len == 0) {
      // A cut in the middle of a sequence lands here too, which is what we want.
      append_hex(out, byte);
      ++i;
    } else if (len == 2 && byte == 0xc2 && static_cast<unsigned char>(raw[i + 1]) < 0xa0) {
      // C1 controls (U+0080..U+009F): some terminals act on them like ESC sequences.
      append_hex(out, byte);
      append_hex(out, static_cast<unsigned char>(raw[i + 1]));
      i += 2;
    } else {
      out.append(raw.substr(i, len));
      i += len;
    }
  }
  if (cut) out += "...";
  return out;
}

bool has_control_byte(std::string_view text) noexcept {
  for (const char c : text) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b == 0x7f) return true;
  }
  return false;
}

std::string quoted(std::string_view raw) { return "'" + sanitize(raw) + "'"; }

Error Error::make(Errc code, std::string message, std::string_view raw_input, std::string hint) {
  Error e;
  e.code = code;
  e.message = std::move(message);
  e.input = sanitize(raw_input);
  e.hint = std::move(hint);
  return e;
}

std::string Error::to_string() const {
  if (hint.empty()) return message;
  return message + " (" + hint + ")";
}

}  // namespace sqlink
