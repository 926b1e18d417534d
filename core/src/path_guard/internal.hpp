// Private helpers shared by the path_guard sources (check, open_beneath, spawn).
// Not installed and not part of the API; nothing outside core/src/path_guard relies on it.
#pragma once

#include <string>
#include <string_view>
#include <system_error>

namespace sqlink::path_guard_detail {

// strerror() text without strerror()'s shared static buffer.
inline std::string errno_text(int err) { return std::generic_category().message(err); }

}  // namespace sqlink::path_guard_detail
