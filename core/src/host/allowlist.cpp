// Where an extension may come from: its canonical path must lie beneath an allowed directory
// (component-wise), and the file is opened beneath that directory without following links,
// so the descriptor later handed to dlopen() is the file that was checked.
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "host/allowlist.hpp"
#include "sqlink/limits.hpp"

namespace sqlink::host_detail {
namespace {

constexpr int kDirFlags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW;
// O_NONBLOCK so that a FIFO put in place of the library cannot hang the open.
constexpr int kFileFlags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK;
constexpr int kOpenat2Attempts = 8;  // EAGAIN: a concurrent rename; bounded, never a loop
constexpr unsigned char kElfMagic[4] = {0x7f, 'E', 'L', 'F'};

std::string errno_text(int err) { return std::generic_category().message(err); }


std::optional<std::string> canonical(const std::string& path, int& err) {
  struct FreeDeleter {
    void operator()(char* p) const noexcept { std::free(p); }
  };
  std::unique_ptr<char, FreeDeleter> resolved(::realpath(path.c_str(), nullptr));
  if (!resolved) {
    err = errno;
    return std::nullopt;
  }
  return std::string(resolved.get());
}

// Component-wise: "/x/libs-other" is not within "/x/libs". Both are canonical.
bool is_within(std::string_view path, std::string_view dir) {
  // mutate: next-line rel.gt.ne: path is a canonical path, never empty
  if (dir == "/") return path.size() > 1 && path.front() == '/';
  // mutate: next-line rel.gt.ne: a shorter path does not start with dir
  // mutate: next-line rel.gt.ge: at equal sizes starts_with means path == dir, and path[dir.size()] is then the NUL ending the std::string both callers pass, not '/'
  return path.size() > dir.size() && path.starts_with(dir) && path[dir.size()] == '/';
}

// Messages name the path as given, and what it resolved to when that differs.
std::string named(const CheckedLibrary& lib) {
  std::string out = "extension " + quoted(lib.given);
  if (lib.given != lib.canonical_path) out += " (" + quoted(lib.canonical_path) + ")";
  return out;
}

Error changed(const CheckedLibrary& lib) {
  return Error::make(Errc::outside_root,
                     named(lib) + " changed after validation: a symlink or non-directory now "
                                  "lies on the way from " + quoted(lib.allowed_dir),
                     lib.given);
}

Error open_error(int err, const CheckedLibrary& lib) {
  switch (err) {
    case ELOOP:
    case ENOTDIR:
    case EXDEV:
      return changed(lib);
    case ENOENT:
      return Error::make(Errc::not_found, named(lib) + " no longer exists", lib.given);
    case EACCES:
    case EPERM:
      return Error::make(Errc::permission_denied,
                         "cannot open " + named(lib) + ": " + errno_text(err), lib.given);
    default:
      return Error::make(Errc::io_error, "cannot open " + named(lib) + ": " + errno_text(err),
                         lib.given);
  }
}

int openat2_beneath(int dirfd, const std::string& relative) {
  open_how how{};
  how.flags = static_cast<std::uint64_t>(kFileFlags);
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS;
  for (int attempt = 1;; ++attempt) {
    const long fd = ::syscall(SYS_openat2, dirfd, relative.c_str(), &how, sizeof how);
    // mutate: next-line rel.ge.gt: fd is never 0 here: the caller's directory descriptor, still open, is lower
    if (fd >= 0) return static_cast<int>(fd);
    if (errno != EAGAIN || attempt == kOpenat2Attempts) return -1;
  }
}

// The kernels without openat2: one component at a time, none of them followed if a link.
int walk_nofollow(int dirfd, const std::string& relative) {
  FileFd dir(::dup(dirfd));
  // mutate: next-line rel.lt.le: the copy is never 0: the caller's directory descriptor, still open, is lower
  // mutate: next-line rel.lt.false: dup fails only for want of a descriptor (EMFILE), and then the openat that follows fails the same way before it looks at the directory
  if (dir.get() < 0) return -1;
  std::string_view rest = relative;
  while (true) {
    const std::size_t slash = rest.find('/');
    const std::string part(rest.substr(0, slash));
    if (slash == std::string_view::npos) return ::openat(dir.get(), part.c_str(), kFileFlags);
    FileFd next(::openat(dir.get(), part.c_str(), kDirFlags));
    // mutate: next-line rel.lt.le: next is never 0: the caller's directory descriptor, still open, is lower
    if (next.get() < 0) return -1;
    dir = std::move(next);
    rest.remove_prefix(slash + 1);
  }
}

}  // namespace

FileFd& FileFd::operator=(FileFd&& other) noexcept {
  if (this != &other) {
    // mutate: next-line rel.ge.gt, lit.int.one, rel.ge.true: no FileFd holding 0 is assigned to (the walk's copy of a directory is never the lowest descriptor; a SharedObject's is empty), and close(-1) on an empty one leaves only an errno nobody reads
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.release();
  }
  return *this;
}

FileFd::~FileFd() {
  if (fd_ >= 0) ::close(fd_);
}

Result<CheckedLibrary> check_library_path(std::string_view raw,
                                          const std::vector<std::string>& allowed_dirs) {
  const std::string named_raw = "extension " + quoted(raw);
  if (raw.empty()) return Error::make(Errc::missing_argument, named_raw + " is empty", raw);
  if (has_control_byte(raw)) {
    return Error::make(Errc::control_character, named_raw + " contains a NUL or control byte", raw);
  }
  if (raw.size() > limits::kMaxPathBytes) {
    return Error::make(Errc::too_long,
                       named_raw + " is " + std::to_string(raw.size()) + " bytes; the limit is " +
                           std::to_string(limits::kMaxPathBytes),
                       raw);
  }
  if (allowed_dirs.empty()) {
    return Error::make(Errc::permission_denied,
                       "no directory is allowed for extensions; cannot load " + quoted(raw), raw,
                       "add the extension's directory to the allowlist");
  }
  const std::string path(raw);
  // mutate: next-line lit.int.one: canonical() sets err whenever it fails, and err is read only then
  int err = 0;
  std::optional<std::string> resolved = canonical(path, err);
  if (!resolved) {
    if (err == ENOENT || err == ENOTDIR) {
      return Error::make(Errc::not_found, named_raw + " does not exist", raw);
    }
    if (err == EACCES) {
      return Error::make(Errc::permission_denied,
                         "cannot resolve " + named_raw + ": " + errno_text(err), raw);
    }
    return Error::make(Errc::io_error, "cannot resolve " + named_raw + ": " + errno_text(err), raw);
  }
  // Of several allowed directories the deepest wins: fewer components to open beneath it.
  std::optional<std::string> best;
  for (const std::string& dir : allowed_dirs) {
    if (dir.empty() || has_control_byte(dir) || dir.size() > limits::kMaxPathBytes) continue;
    // mutate: next-line lit.int.one: dir_err is never read
    int dir_err = 0;
    std::optional<std::string> canon_dir = canonical(dir, dir_err);
    if (!canon_dir || !is_within(*resolved, *canon_dir)) continue;
    // mutate: next-line rel.gt.ge: two canonical directories of one size that both contain the path are the same string
    if (!best || canon_dir->size() > best->size()) best = std::move(canon_dir);
  }
  if (!best) {
    std::string message = named_raw + " is outside every allowed directory";
    if (*resolved != raw) message += " (it resolves to " + quoted(*resolved) + ")";
    return Error::make(Errc::outside_root, std::move(message), raw);
  }
  CheckedLibrary lib;
  lib.given = path;
  lib.canonical_path = *resolved;
  lib.relative = resolved->substr(*best == "/" ? 1 : best->size() + 1);
  lib.allowed_dir = std::move(*best);
  return lib;
}

Result<OpenedLibrary> open_library(const CheckedLibrary& lib) {
  FileFd dir(::open(lib.allowed_dir.c_str(), kDirFlags));
  if (dir.get() < 0) return open_error(errno, lib);
  int fd = openat2_beneath(dir.get(), lib.relative);
  // mutate: next-line rel.lt.le, lit.int.one: fd is never 0 here: dir, opened just before and still open, holds a lower descriptor
  if (fd < 0 && errno == ENOSYS) fd = walk_nofollow(dir.get(), lib.relative);
  // mutate: next-line rel.lt.le, lit.int.one: fd is never 0 here: dir, opened just before and still open, holds a lower descriptor
  if (fd < 0) return open_error(errno, lib);
  OpenedLibrary opened{FileFd(fd), lib};

  struct stat st {};
  if (::fstat(opened.file.get(), &st) != 0) return open_error(errno, lib);
  if (!S_ISREG(st.st_mode)) {
    return Error::make(Errc::invalid_value, named(lib) + " is not a regular file", lib.given);
  }
  unsigned char magic[sizeof kElfMagic] = {};
  const ssize_t got = ::pread(opened.file.get(), magic, sizeof magic, 0);
  if (got != static_cast<ssize_t>(sizeof magic) || std::memcmp(magic, kElfMagic, sizeof magic)) {
    return Error::make(Errc::invalid_value, named(lib) + " is not an ELF shared object",
                       lib.given);
  }
  return opened;
}

}  // namespace sqlink::host_detail
