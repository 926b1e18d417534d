// Running a build child inside a validated root: working directory by fd, environment
// rebuilt from an allowlist, a timeout after which the whole process group is killed.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "sqlink/error.hpp"
#include "sqlink/path_guard.hpp"

namespace sqlink {

struct SpawnOptions {
  std::vector<std::string> argv;  // argv[0] is the program; looked up in PATH if it has no '/'
  // Names copied from the parent's environment when set there (PATH, HOME, LANG, ...).
  std::vector<std::string> env_allowlist = {"PATH", "HOME", "LANG", "LC_ALL", "TERM", "TMPDIR"};
  std::map<std::string, std::string> env_extra;  // set on top of the allowlisted ones
  std::chrono::milliseconds timeout{std::chrono::minutes(10)};
  std::string stdout_path;  // empty: inherit
  std::string stderr_path;  // empty: inherit
};

struct SpawnResult {
  int exit_code = -1;  // valid when !signaled
  bool signaled = false;
  int term_signal = 0;
  bool timed_out = false;  // the group was killed with SIGKILL at the timeout
  std::chrono::milliseconds elapsed{0};
};

// Forks; the child joins a new process group, fchdir()s to root.dir, gets exactly the
// environment described above, and execs argv. The parent waits up to the timeout, then
// kills the whole group. After the child exits, stragglers left in its group are killed too.
// A child that ran and failed is not an Error: the caller reads SpawnResult.
Result<SpawnResult> spawn_in_root(const OpenedRoot& root, const SpawnOptions& options);

// The environment a child would get, as NAME=VALUE strings, sorted (exposed for tests).
std::vector<std::string> build_child_env(const SpawnOptions& options);

}  // namespace sqlink
