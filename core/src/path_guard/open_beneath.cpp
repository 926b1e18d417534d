// Opening a checked crate root beneath its prefix: openat2(RESOLVE_BENEATH|NO_SYMLINKS) where
// the kernel has it, else an O_NOFOLLOW walk, so nothing swapped in after the check is followed.
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <string>
#include <string_view>

#include "path_guard/internal.hpp"
#include "sqlink/limits.hpp"
#include "sqlink/path_guard.hpp"

namespace sqlink {

RootFd& RootFd::operator=(RootFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.release();
  }
  return *this;
}

RootFd::~RootFd() {
  if (fd_ >= 0) ::close(fd_);
}

namespace {

using path_guard_detail::errno_text;

constexpr int kDirFlags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
// openat2 answers EAGAIN when a concurrent rename might have let a lookup escape; retrying
// is what the kernel asks for, but a tree renamed in a loop must not keep us here forever.
constexpr int kOpenat2Attempts = 8;

// CheckedRoot is a plain struct anyone can fill in, so its invariants are checked again here:
// the fd must end up on the directory the messages name, and the walk relies on clean parts.
std::optional<Error> check_checked_root(const CheckedRoot& checked) {
  const std::string& prefix = checked.canonical_prefix;
  const std::string& rel = checked.relative;
  if (prefix.empty() || prefix.front() != '/' || prefix.find('\0') != std::string::npos) {
    return Error::make(Errc::invalid_value,
                       "allowed prefix " + quoted(prefix) + " is not a canonical absolute path",
                       prefix);
  }
  bool clean =
      !rel.empty() && rel.size() <= limits::kMaxPathBytes && rel.find('\0') == std::string::npos;
  if (clean && rel != ".") {
    std::string_view rest = rel;
    while (clean) {
      const std::size_t slash = rest.find('/');
      const std::string_view part = rest.substr(0, slash);
      clean = !part.empty() && part != "." && part != "..";
      if (slash == std::string_view::npos) break;
      rest.remove_prefix(slash + 1);
    }
  }
  if (!clean) {
    return Error::make(Errc::invalid_value,
                       "relative path " + quoted(rel) +
                           " must be '.' or components that are not empty, '.' or '..'",
                       rel);
  }
  const std::string joined = rel == "." ? prefix : (prefix == "/" ? "" : prefix) + "/" + rel;
  if (joined != checked.canonical_root) {
    return Error::make(Errc::invalid_value,
                       "crate root " + quoted(checked.canonical_root) + " is not " + quoted(rel) +
                           " beneath " + quoted(prefix),
                       checked.canonical_root);
  }
  return std::nullopt;
}

Error open_error(int err, const CheckedRoot& checked) {
  const std::string& root = checked.canonical_root;
  switch (err) {
    case ELOOP:
    case ENOTDIR:
    case EXDEV:
      return Error::make(Errc::outside_root,
                         "crate root " + quoted(root) + " changed after validation: a " +
                             "symlink or non-directory now lies on the way from " +
                             quoted(checked.canonical_prefix),
                         root);
    case ENOENT:
      return Error::make(Errc::not_found, "crate root " + quoted(root) + " no longer exists", root);
    default:
      return Error::make(Errc::io_error,
                         "cannot open crate root " + quoted(root) + ": " + errno_text(err), root);
  }
}

// Returns the new fd, or -1 with errno set (ENOSYS where the kernel lacks openat2).
int openat2_beneath(int dirfd, const std::string& relative) {
  open_how how{};
  how.flags = kDirFlags;
  // The canonical relative path contains no symlinks, so any symlink met was swapped in.
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS;
  for (int attempt = 1;; ++attempt) {
    const long fd = ::syscall(SYS_openat2, dirfd, relative.c_str(), &how, sizeof how);
    if (fd >= 0) return static_cast<int>(fd);
    if (errno != EAGAIN || attempt == kOpenat2Attempts) return -1;
  }
}

// Consumes `dir` and returns the directory at `relative` beneath it, opened one component at
// a time with O_NOFOLLOW; on failure an invalid RootFd and the errno in `err`. `relative` was
// checked to be clean.
RootFd walk_nofollow(RootFd dir, const std::string& relative, int& err) {
  if (relative == ".") return dir;
  std::string_view rest = relative;
  while (true) {
    const std::size_t slash = rest.find('/');
    const std::string part(rest.substr(0, slash));
    RootFd next(::openat(dir.get(), part.c_str(), kDirFlags | O_NOFOLLOW));
    if (next.get() < 0) {
      err = errno;
      return next;
    }
    dir = std::move(next);
    if (slash == std::string_view::npos) return dir;
    rest.remove_prefix(slash + 1);
  }
}

}  // namespace

Result<OpenedRoot> open_checked_root(const CheckedRoot& checked) {
  if (auto bad = check_checked_root(checked)) return *bad;

  // The canonical prefix has no symlinks either; O_NOFOLLOW refuses one put in its place.
  RootFd prefix(::open(checked.canonical_prefix.c_str(), kDirFlags | O_NOFOLLOW));
  if (prefix.get() < 0) return open_error(errno, checked);

  OpenedRoot opened;
  if (!checked.force_nofollow_walk) {
    const int fd = openat2_beneath(prefix.get(), checked.relative);
    const int err = errno;
    if (fd < 0 && err != ENOSYS) return open_error(err, checked);
    opened.dir = RootFd(fd);
    // mutate: next-line rel.ge.true: fd < 0 here only with ENOSYS (other errors returned above), and this kernel has openat2
    opened.used_openat2 = fd >= 0;
  }
  if (!opened.used_openat2) {
    // mutate: next-line lit.int.one: walk_nofollow sets err whenever it returns an invalid fd, the only case err is read
    int err = 0;
    opened.dir = walk_nofollow(std::move(prefix), checked.relative, err);
    if (opened.dir.get() < 0) return open_error(err, checked);
  }

  struct stat st {};
  if (::fstat(opened.dir.get(), &st) != 0) return open_error(errno, checked);
  if (!S_ISDIR(st.st_mode)) {
    return Error::make(Errc::not_a_directory,
                       "crate root " + quoted(checked.canonical_root) + " is not a directory",
                       checked.canonical_root);
  }
  opened.checked = checked;
  return opened;
}

Result<OpenedRoot> validate_build_root(const BuildRequest& request, const BuildPolicy& policy) {
  Result<CheckedRoot> checked = check_build_request(request, policy);
  if (!checked) return checked.error();
  return open_checked_root(*checked);
}

}  // namespace sqlink
