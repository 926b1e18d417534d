// Where the cache file lives (flag > environment > XDG > HOME) and creating the directories
// above it. Only this file reads the environment.
#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <string>

#include "cas/internal.hpp"
#include "sqlink/cas.hpp"
#include "sqlink/limits.hpp"

namespace sqlink {
namespace {

constexpr std::string_view kFileName = "cas.sqlite";


std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

std::string join(std::string dir, std::string_view tail) {
  if (dir.empty() || dir.back() != '/') dir += '/';
  dir += tail;
  return dir;
}

// One rung of the precedence ladder: where it came from, and the file it gives.
struct Candidate {
  std::string source;  // "--cache-dir", "$SQLINK_CACHE_DIR", ...
  std::string dir;     // empty when this rung is unset
  std::string_view tail;
};

Result<std::string> checked(const Candidate& c) {
  const std::string file = join(c.dir, c.tail);
  if (has_control_byte(c.dir)) {
    return Error::make(Errc::control_character,
                       c.source + " " + quoted(c.dir) + " contains a NUL or control byte", c.dir);
  }
  if (file.size() > limits::kMaxPathBytes) {
    return Error::make(Errc::too_long,
                       c.source + " " + quoted(c.dir) + " gives a path longer than " +
                           std::to_string(limits::kMaxPathBytes) + " bytes",
                       c.dir);
  }
  return file;
}

}  // namespace

Result<std::string> cache_file_path(const std::optional<std::string>& cache_dir_flag) {
  if (cache_dir_flag && cache_dir_flag->empty()) {
    return Error::make(Errc::missing_value, "--cache-dir expects a directory; got ''");
  }
  std::string xdg = env("XDG_CACHE_HOME");
  if (!xdg.empty() && xdg.front() != '/') xdg.clear();  // XDG: relative paths are ignored
  const std::string home = env("HOME");
  const Candidate ladder[] = {
      {"--cache-dir", cache_dir_flag.value_or(std::string()), kFileName},
      {"$SQLINK_CACHE_DIR", env("SQLINK_CACHE_DIR"), kFileName},
      {"$XDG_CACHE_HOME", xdg, "sqlink/cas.sqlite"},
      {"$HOME", home, ".cache/sqlink/cas.sqlite"},
  };
  for (const auto& rung : ladder) {
    if (!rung.dir.empty()) return checked(rung);
  }
  return Error::make(Errc::not_found,
                     "no cache location: none of --cache-dir, $SQLINK_CACHE_DIR, "
                     "$XDG_CACHE_HOME or $HOME is set",
                     {}, "pass --cache-dir DIR");
}

namespace cas_detail {

Result<void> make_parent_dirs(const std::string& file) {
  const auto slash = file.rfind('/');
  if (slash == std::string::npos || slash == 0) return {};  // the current directory, or "/"
  const std::string dir = file.substr(0, slash);
  // Walk down from the top so each missing component is created, and named if it fails.
  for (std::size_t end = dir.find('/', 1);; end = dir.find('/', end + 1)) {
    const std::string part = dir.substr(0, end);
    struct stat st {};
    if (::stat(part.c_str(), &st) == 0) {
      if (!S_ISDIR(st.st_mode)) {
        return Error::make(Errc::not_a_directory,
                           "cannot create cache " + quoted(file) + ": " + quoted(part) +
                               " exists and is not a directory",
                           part);
      }
    } else if (errno != ENOENT) {
      const int err = errno;
      return Error::make(err == EACCES ? Errc::permission_denied : Errc::io_error,
                         "cannot create cache " + quoted(file) + ": cannot look at " +
                             quoted(part) + ": " + errno_text(err),
                         part);
    } else if (::mkdir(part.c_str(), 0700) != 0 && errno != EEXIST) {
      const int err = errno;
      const Errc code = err == EACCES || err == EPERM || err == EROFS ? Errc::permission_denied
                        : err == ENOTDIR                              ? Errc::not_a_directory
                                                                      : Errc::io_error;
      return Error::make(
          code, "cannot create cache directory " + quoted(part) + ": " + errno_text(err), part);
    }
    if (end == std::string::npos) return {};
  }
}

}  // namespace cas_detail
}  // namespace sqlink
