// Name helpers of the host: SQLite's entry-point rule, the default extension name, ASCII
// case folding, and UTF-16 names (the *16 API entries) turned into UTF-8.
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "host/internal.hpp"
#include "sqlink/host.hpp"

namespace sqlink {
namespace {

std::string_view file_part(std::string_view path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// SQLite compares the "lib" with sqlite3_strnicmp, so "LibFoo.so" loses it too.
std::string_view without_lib(std::string_view file) {
  if (file.size() >= 3 && (file[0] | 0x20) == 'l' && (file[1] | 0x20) == 'i' &&
      (file[2] | 0x20) == 'b') {
    file.remove_prefix(3);
  }
  return file;
}

bool is_ascii_alpha(char c) noexcept { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

}  // namespace

std::string default_entry_point(std::string_view path) {
  std::string x;
  for (char c : without_lib(file_part(path))) {
    if (c == '.') break;
    if (is_ascii_alpha(c)) x += static_cast<char>(c | 0x20);
  }
  return "sqlite3_" + x + "_init";
}

std::string extension_name_from_path(std::string_view path) {
  std::string_view name = without_lib(file_part(path));
  name = name.substr(0, name.find('.'));
  return name.empty() ? std::string("ext") : std::string(name);
}

namespace host_detail {

std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Native byte order, as SQLite's *16 interfaces take it. A lone surrogate is refused, as a
// name that cannot be spelled in UTF-8 could never be typed in SQL either.
std::optional<std::string> utf16_to_utf8(const void* text) {
  if (text == nullptr) return std::nullopt;
  const auto* bytes = static_cast<const unsigned char*>(text);
  std::string out;
  for (std::size_t i = 0;; i += 2) {
    // mutate: next-line lit.int.one: overwritten by the memcpy on the next line before it is read
    std::uint16_t unit = 0;
    std::memcpy(&unit, bytes + i, sizeof unit);  // the name need not be aligned
    if (unit == 0) return out;
    if (out.size() > 4 * limits::kMaxNameBytes) return std::nullopt;
    std::uint32_t cp = unit;
    if (unit >= 0xd800 && unit <= 0xdbff) {
      // mutate: next-line lit.int.one: overwritten by the memcpy on the next line before it is read
      std::uint16_t low = 0;
      std::memcpy(&low, bytes + i + 2, sizeof low);
      if (low < 0xdc00 || low > 0xdfff) return std::nullopt;
      // mutate: next-line arith.sub.add: + adds 0x6c00000 to cp (bits 22+): other bytes mask it off, and in 0xf0 | (cp >> 18) it is 0x1b0, whose bits 4, 5, 7 are set already and bit 8 is cut by the char cast
      cp = 0x10000 + ((static_cast<std::uint32_t>(unit) - 0xd800) << 10) + (low - 0xdc00u);
      i += 2;
    } else if (unit >= 0xdc00 && unit <= 0xdfff) {
      return std::nullopt;
    }
    append_utf8(out, cp);
  }
}

}  // namespace host_detail
}  // namespace sqlink
