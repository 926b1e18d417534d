// Spawn-build path validation and safe opening beneath an allowed root.
// check_build_request() decides; open_checked_root() opens the decided directory without
// following anything that was swapped in since, so the directory is used by fd afterwards.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sqlink/error.hpp"

namespace sqlink {

struct BuildRequest {
  std::string crate_root;                    // as the user gave it
  std::optional<std::string> target_triple;  // [a-z0-9_-]+
};

struct BuildPolicy {
  bool spawn_build_granted = false;           // the spawn-build grant
  std::vector<std::string> allowed_prefixes;  // directories a crate root may lie in
  // Test switch: skip openat2 and use the O_NOFOLLOW walk even where the kernel has openat2.
  bool force_nofollow_walk = false;
};

// The lexical and filesystem verdict on a request: canonical paths, nothing opened yet.
struct CheckedRoot {
  std::string canonical_root;    // realpath of crate_root
  std::string canonical_prefix;  // realpath of the allowed prefix it lies under
  std::string relative;          // canonical_root relative to canonical_prefix ("." if equal)
  std::optional<std::string> target_triple;
  bool force_nofollow_walk = false;
};

// Ok iff the grant is present, every input is free of NUL/control bytes and within limits,
// the root exists and is a directory, its canonical form equals or is a component-wise
// descendant of one allowed prefix, and the triple matches [a-z0-9_-]+.
Result<CheckedRoot> check_build_request(const BuildRequest& request, const BuildPolicy& policy);

// An open directory (O_PATH-free: usable with fchdir), owned; move-only.
class RootFd {
 public:
  RootFd() = default;
  explicit RootFd(int fd) noexcept : fd_(fd) {}
  RootFd(RootFd&& other) noexcept : fd_(other.release()) {}
  RootFd& operator=(RootFd&& other) noexcept;
  RootFd(const RootFd&) = delete;
  RootFd& operator=(const RootFd&) = delete;
  ~RootFd();
  int get() const noexcept { return fd_; }
  int release() noexcept { int fd = fd_; fd_ = -1; return fd; }

 private:
  int fd_ = -1;
};

struct OpenedRoot {
  RootFd dir;                 // the crate root directory, opened beneath its prefix
  CheckedRoot checked;
  bool used_openat2 = false;  // false when the O_NOFOLLOW walk was used
};

// Opens checked.relative beneath checked.canonical_prefix with
// openat2(RESOLVE_BENEATH|RESOLVE_NO_MAGICLINKS|RESOLVE_NO_SYMLINKS) where the kernel has it,
// else a component-by-component O_NOFOLLOW|O_DIRECTORY walk. A symlink or a non-directory met
// on the way (for example one swapped in after the check) is an error, never followed.
Result<OpenedRoot> open_checked_root(const CheckedRoot& checked);

// check_build_request then open_checked_root.
Result<OpenedRoot> validate_build_root(const BuildRequest& request, const BuildPolicy& policy);

}  // namespace sqlink
