// Fuzz target: spawn-build path validation on a real temporary tree with symlinks that point
// in, out, and in loops. Property: whatever is accepted really lies beneath the allowed
// prefix on the filesystem, and the directory opened by fd is the one that was checked.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/fuzz_check.hpp"
#include "sqlink/path_guard.hpp"

namespace {

namespace fs = std::filesystem;

// root/builds is the allowed prefix; root/builds-other and root/outside must never be accepted.
struct Tree {
  std::string root;
  std::string builds;

  Tree() {
    std::string tmpl = (fs::temp_directory_path() / "sqlink-fuzz-pg-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
    root = fs::canonical(tmpl).string();
    builds = root + "/builds";
    fs::create_directories(builds + "/a/b/c");
    fs::create_directories(builds + "/crate");
    fs::create_directories(root + "/builds-other/x");
    fs::create_directories(root + "/outside/y");
    std::ofstream(builds + "/file.txt") << "x";
    fs::create_directory_symlink("../outside", builds + "/link_out");
    fs::create_directory_symlink("a/b", builds + "/link_in");
    fs::create_directory_symlink(root + "/builds-other", builds + "/link_sibling");
    fs::create_symlink("loop", builds + "/loop");
    fs::create_directory_symlink("/", builds + "/link_root");
  }
  ~Tree() {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
};

Tree& tree() {
  static Tree t;
  return t;
}

bool beneath(const std::string& path, const std::string& prefix) {
  return path == prefix || (path.size() > prefix.size() && path.compare(0, prefix.size(), prefix) == 0 &&
                            path[prefix.size()] == '/');
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  tree();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sqlink;
  if (size == 0 || size > 8192) return 0;
  const Tree& t = tree();
  // The first byte's bits: 0x01 roots the path at the temp tree, 0x02 at the allowed prefix
  // (else it is taken as given), 0x40 forces the O_NOFOLLOW walk, 0x80 withholds the grant.
  // A NUL splits off an optional target triple.
  const std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  const auto nul = rest.find('\0');
  const std::string path = rest.substr(0, nul);
  BuildRequest request;
  request.crate_root = (data[0] & 0x01) ? t.root + "/" + path
                       : (data[0] & 0x02) ? t.builds + "/" + path
                                          : path;
  if (nul != std::string::npos) request.target_triple = rest.substr(nul + 1);
  BuildPolicy policy;
  policy.spawn_build_granted = (data[0] & 0x80) == 0;
  policy.allowed_prefixes = {t.builds};
  policy.force_nofollow_walk = (data[0] & 0x40) != 0;

  auto checked = check_build_request(request, policy);
  if (!checked) {
    fuzz::check_error(checked.error());
    return 0;
  }
  FUZZ_CHECK(policy.spawn_build_granted, "accepted without the grant: " + request.crate_root);
  const CheckedRoot& c = *checked;
  FUZZ_CHECK(c.canonical_prefix == t.builds, c.canonical_prefix);
  FUZZ_CHECK(beneath(c.canonical_root, t.builds), "accepted outside the prefix: " + c.canonical_root);
  char real[PATH_MAX];
  FUZZ_CHECK(::realpath(c.canonical_root.c_str(), real) != nullptr && c.canonical_root == real,
             "canonical root is not canonical: " + c.canonical_root);

  auto opened = open_checked_root(c);
  FUZZ_CHECK(opened.ok(), "checked root did not open: " + c.canonical_root);
  struct stat by_fd {}, by_path {};
  FUZZ_CHECK(::fstat(opened->dir.get(), &by_fd) == 0 && ::stat(c.canonical_root.c_str(), &by_path) == 0, c.canonical_root);
  FUZZ_CHECK(S_ISDIR(by_fd.st_mode), c.canonical_root);
  FUZZ_CHECK(by_fd.st_dev == by_path.st_dev && by_fd.st_ino == by_path.st_ino,
             "the fd is not the checked directory: " + c.canonical_root);
  const std::string link = "/proc/self/fd/" + std::to_string(opened->dir.get());
  char target[PATH_MAX];
  const ssize_t n = ::readlink(link.c_str(), target, sizeof target - 1);
  FUZZ_CHECK(n > 0 && beneath(std::string(target, static_cast<std::size_t>(n)), t.builds),
             "the fd points outside the prefix");
  return 0;
}
