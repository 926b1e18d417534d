// Private helpers shared by the path_guard sources (check, open_beneath, spawn).
// Not installed and not part of the API; nothing outside core/src/path_guard relies on it.
#pragma once

#include <string>
#include <string_view>
#include <system_error>

namespace sqlink::path_guard_detail {

// C0 controls (NUL included) and DEL. Bytes >= 0x80 are left alone: in a path they are
// parts of UTF-8 names, not terminal controls.
inline bool has_control_byte(std::string_view s) noexcept {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

// strerror() text without strerror()'s shared static buffer.
inline std::string errno_text(int err) { return std::generic_category().message(err); }

}  // namespace sqlink::path_guard_detail
