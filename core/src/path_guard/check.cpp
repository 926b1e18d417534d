// check_build_request(): the verdict on a spawn-build request, from its strings and realpath().
// It only decides; open_beneath.cpp opens the decided directory without trusting the path again.
#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "path_guard/internal.hpp"
#include "sqlink/limits.hpp"
#include "sqlink/path_guard.hpp"

namespace sqlink {
namespace {

using path_guard_detail::errno_text;

// `what` names the kind of input ("crate root", "allowed prefix") in the message.
std::optional<Error> check_path_input(std::string_view what, std::string_view raw) {
  const std::string named = std::string(what) + " " + quoted(raw);
  if (raw.empty()) return Error::make(Errc::missing_argument, named + " is empty", raw);
  if (has_control_byte(raw)) {
    return Error::make(Errc::control_character, named + " contains a NUL or control byte", raw);
  }
  if (raw.size() > limits::kMaxPathBytes) {
    return Error::make(Errc::too_long,
                       named + " is " + std::to_string(raw.size()) + " bytes; the limit is " +
                           std::to_string(limits::kMaxPathBytes),
                       raw);
  }
  return std::nullopt;
}

bool is_triple_byte(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

std::optional<Error> check_triple(std::string_view triple) {
  const std::string named = "target triple " + quoted(triple);
  if (triple.empty()) return Error::make(Errc::invalid_value, named + " is empty", triple);
  if (triple.size() > limits::kMaxTripleBytes) {
    return Error::make(
        Errc::invalid_value,
        named + " is longer than " + std::to_string(limits::kMaxTripleBytes) + " bytes", triple);
  }
  for (char c : triple) {
    if (!is_triple_byte(c)) {
      return Error::make(Errc::invalid_value, named + " must match [a-z0-9_-]+", triple);
    }
  }
  return std::nullopt;
}

struct Canonical {
  std::string path;  // empty on failure
  int err = 0;       // errno of the failed realpath()
};

Canonical canonicalize(const std::string& path) {
  struct FreeDeleter {
    void operator()(char* p) const noexcept { std::free(p); }
  };
  std::unique_ptr<char, FreeDeleter> resolved(::realpath(path.c_str(), nullptr));
  if (!resolved) return {{}, errno};
  return {resolved.get(), 0};
}

// Component-wise, so "/x/builds-other" is not within "/x/builds". Both are canonical.
bool is_within(std::string_view root, std::string_view prefix) {
  if (root == prefix) return true;
  // mutate: next-line logic.and.or, rel.gt.ge, rel.gt.ne: root is canonical (absolute) and not "/" here, so it has at least 2 bytes and begins with '/'
  if (prefix == "/") return root.size() > 1 && root.front() == '/';
  // mutate: next-line rel.gt.ge, rel.gt.ne: equal sizes with root.starts_with(prefix) means root == prefix, returned above; a shorter root never starts with prefix
  return root.size() > prefix.size() && root.starts_with(prefix) && root[prefix.size()] == '/';
}

std::string relative_below(std::string_view root, std::string_view prefix) {
  if (root == prefix) return ".";
  const std::size_t skip = prefix == "/" ? 1 : prefix.size() + 1;
  return std::string(root.substr(skip));
}

Result<std::string> canonical_root(const std::string& raw) {
  const Canonical canon = canonicalize(raw);
  if (canon.err == ENOENT) {
    return Error::make(Errc::not_found, "crate root " + quoted(raw) + " does not exist", raw);
  }
  if (canon.err == ENOTDIR) {
    return Error::make(Errc::not_a_directory,
                       "a component of crate root " + quoted(raw) + " is not a directory", raw);
  }
  if (canon.err != 0) {
    return Error::make(Errc::io_error,
                       "cannot resolve crate root " + quoted(raw) + ": " + errno_text(canon.err),
                       raw);
  }
  struct stat st {};
  if (::stat(canon.path.c_str(), &st) != 0) {
    const int err = errno;
    return Error::make(Errc::io_error,
                       "cannot stat crate root " + quoted(raw) + ": " + errno_text(err), raw);
  }
  if (!S_ISDIR(st.st_mode)) {
    return Error::make(Errc::not_a_directory, "crate root " + quoted(raw) + " is not a directory",
                       raw);
  }
  return canon.path;
}

}  // namespace

Result<CheckedRoot> check_build_request(const BuildRequest& request, const BuildPolicy& policy) {
  const std::string& raw = request.crate_root;
  if (!policy.spawn_build_granted) {
    return Error::make(Errc::permission_denied,
                       "spawn-build is not granted; cannot build " + quoted(raw), raw);
  }
  if (auto bad = check_path_input("crate root", raw)) return *bad;
  if (request.target_triple) {
    if (auto bad = check_triple(*request.target_triple)) return *bad;
  }
  for (const std::string& prefix : policy.allowed_prefixes) {
    if (auto bad = check_path_input("allowed prefix", prefix)) return *bad;
  }

  const Result<std::string> resolved = canonical_root(raw);
  if (!resolved) return resolved.error();
  const std::string& root = *resolved;

  // Of several matching prefixes the deepest wins: fewer components are left to open
  // beneath it. A prefix that does not resolve cannot contain anything and is skipped.
  std::optional<std::string> best_prefix;
  for (const std::string& prefix : policy.allowed_prefixes) {
    const Canonical canon = canonicalize(prefix);
    if (canon.err != 0 || !is_within(root, canon.path)) continue;
    // mutate: next-line rel.gt.ge: two matching prefixes of equal length are both ancestors of the root (or it), so they are the same string
    if (!best_prefix || canon.path.size() > best_prefix->size()) best_prefix = canon.path;
  }
  if (!best_prefix) {
    std::string message = "crate root " + quoted(raw) + " is outside every allowed prefix";
    if (root != raw) message += " (it resolves to " + quoted(root) + ")";
    return Error::make(Errc::outside_root, std::move(message), raw);
  }

  CheckedRoot checked;
  checked.canonical_root = root;
  checked.relative = relative_below(root, *best_prefix);
  checked.canonical_prefix = std::move(*best_prefix);
  checked.target_triple = request.target_triple;
  checked.force_nofollow_walk = policy.force_nofollow_walk;
  return checked;
}

}  // namespace sqlink
