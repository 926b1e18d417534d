// Private to the host module: the allowlist verdict on an extension path and the opening of
// the checked file beneath its allowed directory (see allowlist.cpp).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sqlink/error.hpp"

namespace sqlink::host_detail {

// An owned file descriptor; move-only.
class FileFd {
 public:
  FileFd() = default;
  explicit FileFd(int fd) noexcept : fd_(fd) {}
  FileFd(FileFd&& other) noexcept : fd_(other.release()) {}
  FileFd& operator=(FileFd&& other) noexcept;
  FileFd(const FileFd&) = delete;
  FileFd& operator=(const FileFd&) = delete;
  ~FileFd();
  int get() const noexcept { return fd_; }
  int release() noexcept {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_ = -1;
};

struct CheckedLibrary {
  std::string given;           // the path as the user gave it: what messages name
  std::string canonical_path;  // realpath of what the user gave
  std::string allowed_dir;     // canonical allowed directory it lies beneath
  std::string relative;        // canonical_path below allowed_dir (never empty or ".")
};

// Ok iff the path is non-empty, free of control bytes, within limits, exists, and its
// canonical form lies strictly beneath (component-wise) one of the allowed directories.
Result<CheckedLibrary> check_library_path(std::string_view path,
                                          const std::vector<std::string>& allowed_dirs);

struct OpenedLibrary {
  FileFd file;  // read-only, opened beneath allowed_dir without following any link
  CheckedLibrary checked;
};

// Opens the checked file with openat2(RESOLVE_BENEATH|NO_SYMLINKS|NO_MAGICLINKS), else an
// O_NOFOLLOW walk; it must be a regular file that starts with the ELF magic.
Result<OpenedLibrary> open_library(const CheckedLibrary& checked);

}  // namespace sqlink::host_detail
