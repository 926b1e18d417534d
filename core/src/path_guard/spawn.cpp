// Runs a build child in a validated root: cwd by fd, environment from an allowlist, and a
// timeout that kills its whole process group. Everything the child needs is prepared before fork.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "path_guard/internal.hpp"
#include "sqlink/spawn.hpp"

extern char** environ;

namespace sqlink {
namespace {

using path_guard_detail::errno_text;
using Clock = std::chrono::steady_clock;

// Where in the child something failed, reported to the parent through a CLOEXEC pipe.
enum class Stage : int { enter_root, redirect, exec };

// What a child writes to the report pipe when it fails before or in execve.
struct ChildReport {
  Stage stage;
  int err;
};

std::optional<std::string> parent_env(const std::string& name) {
  if (const char* value = std::getenv(name.c_str())) return std::string(value);
  return std::nullopt;
}

Result<void> check_env_name(const std::string& name) {
  if (has_control_byte(name)) {
    return Error::make(Errc::control_character,
                       "environment name " + quoted(name) + " contains a control character", name);
  }
  if (name.empty() || name.find('=') != std::string::npos) {
    return Error::make(Errc::invalid_value,
                       "environment name " + quoted(name) + " is empty or contains '='", name);
  }
  return {};
}

Result<void> check_options(const SpawnOptions& options) {
  if (options.argv.empty() || options.argv[0].empty()) {
    return Error::make(Errc::missing_argument, "no program to run: argv is empty", "");
  }
  for (const auto& arg : options.argv) {
    if (arg.find('\0') != std::string::npos) {
      return Error::make(Errc::control_character,
                         "argument " + quoted(arg) + " contains a NUL byte", arg);
    }
  }
  for (const auto& name : options.env_allowlist) {
    if (auto ok = check_env_name(name); !ok) return ok;
  }
  for (const auto& [name, value] : options.env_extra) {
    if (auto ok = check_env_name(name); !ok) return ok;
    if (value.find('\0') != std::string::npos) {
      return Error::make(Errc::control_character,
                         "environment value " + quoted(value) + " of " + quoted(name) +
                             " contains a NUL byte",
                         value);
    }
  }
  if (options.timeout.count() <= 0) {
    const std::string ms = std::to_string(options.timeout.count()) + "ms";
    return Error::make(Errc::invalid_value, "timeout " + quoted(ms) + " must be positive", ms);
  }
  return {};
}

// argv[0] as execve needs it: unchanged when it has a '/', else the first executable match in
// the child's PATH. Empty and relative PATH entries are skipped: they would resolve against
// the parent's directory, which is not where the child runs.
Result<std::string> resolve_program(const std::string& name, const std::vector<std::string>& env) {
  if (name.find('/') != std::string::npos) return name;
  std::string path = "/usr/bin:/bin";
  for (const auto& entry : env) {
    if (entry.starts_with("PATH=")) path = entry.substr(5);
  }
  std::size_t start = 0;
  // mutate: next-line rel.le.lt: the segment that starts at path.size() is empty, and empty entries are skipped
  while (start <= path.size()) {
    const std::size_t colon = std::min(path.find(':', start), path.size());
    const std::string dir = path.substr(start, colon - start);
    start = colon + 1;
    if (dir.empty() || dir[0] != '/') continue;
    const std::string candidate = dir + "/" + name;
    struct stat st {};
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        ::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  return Error::make(Errc::not_found, "program " + quoted(name) + " is not in the child's PATH",
                     name);
}

// The child dup2()s onto its stdout and stderr, which would close a descriptor it still needs
// that happens to be 1 or 2 (what the parent gets when its own standard streams are closed).
// Moves such a descriptor above them; returns -1 with errno set if that fails.
int off_stdout_stderr(int fd) noexcept {
  if (fd != STDOUT_FILENO && fd != STDERR_FILENO) return fd;
  const int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
  const int err = errno;
  ::close(fd);
  errno = err;
  return moved;
}

Result<int> open_output(const std::string& path) {
  const int fd =
      off_stdout_stderr(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (fd < 0) {
    const int err = errno;
    return Error::make(Errc::io_error,
                       "cannot open output file " + quoted(path) + ": " + errno_text(err), path);
  }
  return fd;
}

// Everything the child touches, prepared by the parent: after fork the child only makes
// async-signal-safe system calls and allocates nothing.
struct ChildPlan {
  const char* program;
  char* const* argv;
  char* const* envp;
  int root_fd;
  int stdout_fd;  // -1: inherit
  int stderr_fd;  // -1: inherit
  int report_fd;  // write end of the CLOEXEC report pipe
};

[[noreturn]] void child_fail(const ChildPlan& plan, Stage stage) noexcept {
  const ChildReport report{stage, errno};
  // Nothing useful is left to do if the report cannot be written; the parent then sees 127.
  [[maybe_unused]] const ssize_t written = ::write(plan.report_fd, &report, sizeof report);
  // mutate: next-line lit.int.zero: the parent ignores the status when a report arrives, and the report cannot fail to: 8 bytes into an empty pipe whose read end the parent holds, its write end kept off 1 and 2
  ::_exit(127);
}

// Descriptors the parent opened without O_CLOEXEC (a database, a socket) must not reach a
// build; marking them close-on-exec keeps the report pipe usable until execve.
void close_inherited_fds() noexcept {
  constexpr unsigned kCloseRangeCloexec = 1U << 2;  // CLOSE_RANGE_CLOEXEC, Linux 5.11
  // mutate: next-line eq.ne, lit.int.one: close_range succeeds on this kernel, so == 0 against != 0 or == 1 only decides whether the narrower loop below re-marks descriptors it already marked; ~1U still covers every possible descriptor (nr_open is at most 2^30)
  if (::syscall(SYS_close_range, 3U, ~0U, kCloseRangeCloexec) == 0) return;
  const long max_fd = ::sysconf(_SC_OPEN_MAX);
  // mutate: next-line lit.int.zero, lit.int.one, rel.lt, rel.gt, incdec.inc.dec: reached only when close_range fails, and this kernel has it with CLOSE_RANGE_CLOEXEC (5.11+)
  for (int fd = 3; fd < (max_fd > 0 ? max_fd : 1024); ++fd) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
}

[[noreturn]] void run_child(const ChildPlan& plan) noexcept {
  ::setpgid(0, 0);
  // The parent may ignore signals (SIGPIPE often) and blocked them all around fork; a build
  // must start with default dispositions and an empty mask. sigaction() fails harmlessly for
  // SIGKILL, SIGSTOP and the signals libc reserves.
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  ::sigemptyset(&dfl.sa_mask);
  // mutate: next-line lit.int.zero: sigaction(0, ...) fails with EINVAL and changes nothing
  for (int sig = 1; sig < NSIG; ++sig) ::sigaction(sig, &dfl, nullptr);
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);

  if (::fchdir(plan.root_fd) != 0) child_fail(plan, Stage::enter_root);
  // mutate: next-line rel.lt.le: dup2 returns its target, 1, on success, never 0
  if (plan.stdout_fd >= 0 && ::dup2(plan.stdout_fd, STDOUT_FILENO) < 0) {
    child_fail(plan, Stage::redirect);
  }
  // mutate: next-line rel.lt.le: dup2 returns its target, 2, on success, never 0
  if (plan.stderr_fd >= 0 && ::dup2(plan.stderr_fd, STDERR_FILENO) < 0) {
    child_fail(plan, Stage::redirect);
  }
  close_inherited_fds();
  ::execve(plan.program, plan.argv, plan.envp);
  child_fail(plan, Stage::exec);
}

// Waits until `pid` has exited or `deadline` passes, leaving it unreaped either way so its
// pid, and so its process group id, cannot be reused before the group is killed.
bool wait_for_exit(pid_t pid, Clock::time_point deadline) {
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd >= 0) {
    bool exited = false;
    while (!exited) {
      // Rounded up: a poll that wakes a fraction early must not end the wait early.
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) break;
      pollfd pfd{pidfd, POLLIN, 0};
      const int n = ::poll(&pfd, 1, static_cast<int>(std::min<long long>(left, 1000)));
      exited = n > 0;
    }
    ::close(pidfd);
    return exited;
  }
  // Kernels before 5.3, or a child the kernel has reaped already because the parent ignores
  // SIGCHLD (pidfd_open: ESRCH): poll with WNOWAIT, which also leaves the child unreaped.
  // On this kernel only the reaped child gets here, and the first waitid ends the loop.
  // mutate: next-line lit.int.zero: the pause only matters when a poll repeats, which only kernels without pidfd_open do
  auto pause = std::chrono::milliseconds(1);
  while (Clock::now() < deadline) {
    siginfo_t info{};
    const int got = ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT);
    // mutate: next-line logic.and.or, eq.ne, lit.int.one, rel.lt.le, rel.lt.ne: a reaped child (the only one here on this kernel) makes waitid fail with ECHILD, and then only the ECHILD test decides
    if ((got == 0 && info.si_pid == pid) || (got < 0 && errno == ECHILD)) {
      return true;  // exited, or reaped already by the kernel (SIGCHLD ignored)
    }
    // mutate: next-line lit.int.one: the pause only matters when a poll repeats, which only kernels without pidfd_open do
    const timespec ts{0, static_cast<long>(std::chrono::nanoseconds(pause).count())};
    ::nanosleep(&ts, nullptr);
    // mutate: next-line lit.int.zero: the pause only matters when a poll repeats, which only kernels without pidfd_open do
    pause = std::min(pause * 2, std::chrono::milliseconds(20));
  }
  // mutate: next-line lit.bool.true: the deadline passes here only on kernels without pidfd_open (this one has it, and a reaped child returns above)
  return false;
}

// Owns the parent's descriptors for one spawn, so every early return closes them.
struct Fds {
  int out = -1, err = -1, report_read = -1, report_write = -1;
  ~Fds() {
    for (const int fd : {out, err == out ? -1 : err, report_read, report_write}) {
      if (fd >= 0) ::close(fd);
    }
  }
};

Error exec_error(const ChildReport& report, const std::string& name) {
  switch (report.stage) {
    case Stage::enter_root:
      return Error::make(Errc::child_failed,
                         "cannot run " + quoted(name) + ": entering the build root failed: " +
                             errno_text(report.err),
                         name);
    case Stage::redirect:
      return Error::make(Errc::child_failed,
                         "cannot run " + quoted(name) + ": redirecting output failed: " +
                             errno_text(report.err),
                         name);
    case Stage::exec:
      break;
  }
  return Error::make(report.err == ENOENT ? Errc::not_found : Errc::child_failed,
                     "cannot run " + quoted(name) + ": " + errno_text(report.err), name);
}

}  // namespace

std::vector<std::string> build_child_env(const SpawnOptions& options) {
  std::map<std::string, std::string> env;
  for (const auto& name : options.env_allowlist) {
    if (auto value = parent_env(name)) env[name] = *value;
  }
  for (const auto& [name, value] : options.env_extra) env[name] = value;
  std::vector<std::string> out;
  // mutate: next-line call.void.remove: capacity only
  out.reserve(env.size());
  for (const auto& [name, value] : env) out.push_back(name + "=" + value);
  return out;  // std::map iteration is already sorted by name
}

Result<SpawnResult> spawn_in_root(const OpenedRoot& root, const SpawnOptions& options) {
  if (root.dir.get() < 0) {
    return Error::make(Errc::invalid_value,
                       "build root " + quoted(root.checked.canonical_root) + " is not open",
                       root.checked.canonical_root);
  }
  if (auto ok = check_options(options); !ok) return ok.error();
  const std::string& name = options.argv[0];
  const std::vector<std::string> env = build_child_env(options);
  auto program = resolve_program(name, env);
  if (!program) return std::move(program).error();

  std::vector<char*> argv, envp;
  for (const auto& arg : options.argv) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  for (const auto& entry : env) envp.push_back(const_cast<char*>(entry.c_str()));
  envp.push_back(nullptr);

  Fds fds;
  if (!options.stdout_path.empty()) {
    auto fd = open_output(options.stdout_path);
    if (!fd) return std::move(fd).error();
    fds.out = *fd;
  }
  if (!options.stderr_path.empty()) {
    if (options.stderr_path == options.stdout_path) {
      fds.err = fds.out;  // one description, one offset: the streams interleave, not overwrite
    } else {
      auto fd = open_output(options.stderr_path);
      if (!fd) return std::move(fd).error();
      fds.err = *fd;
    }
  }
  int report_pipe[2];
  if (::pipe2(report_pipe, O_CLOEXEC) != 0) {
    const int err = errno;
    return Error::make(Errc::io_error, "cannot run " + quoted(name) + ": pipe: " + errno_text(err),
                       name);
  }
  fds.report_read = report_pipe[0];
  fds.report_write = off_stdout_stderr(report_pipe[1]);
  if (fds.report_write < 0) {
    const int err = errno;
    return Error::make(Errc::io_error, "cannot run " + quoted(name) + ": pipe: " + errno_text(err),
                       name);
  }
  const ChildPlan plan{program->c_str(), argv.data(), envp.data(), root.dir.get(),
                       fds.out,          fds.err,     fds.report_write};

  const auto start = Clock::now();
  // Signals stay blocked across fork so no handler of the parent runs in the child before
  // it has reset them.
  sigset_t all, saved;
  ::sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &saved);
  const pid_t pid = ::fork();
  if (pid == 0) run_child(plan);
  const int fork_err = errno;
  ::pthread_sigmask(SIG_SETMASK, &saved, nullptr);
  // mutate: next-line rel.lt.le, lit.int.one: fork returns 0 only in the child, which never returns from run_child
  if (pid < 0) {
    return Error::make(Errc::child_failed,
                       "cannot run " + quoted(name) + ": fork: " + errno_text(fork_err), name);
  }
  ::setpgid(pid, pid);  // also done in the child; whichever runs first wins the race
  ::close(fds.report_write);
  fds.report_write = -1;

  SpawnResult result;
  result.timed_out = !wait_for_exit(pid, start + options.timeout);
  // The leader is still unreaped here, so -pid names its group and no one else's.
  ::kill(-pid, SIGKILL);
  // mutate: next-line lit.int.one: written by the successful waitpid before any read; on failure we return before reading it
  int status = 0;
  pid_t waited;
  do {
    waited = ::waitpid(pid, &status, 0);
  // mutate: next-line rel.lt.le, lit.int.one: waitpid without WNOHANG returns the child's pid (never 0 or 1) or -1
  } while (waited < 0 && errno == EINTR);
  result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  // mutate: next-line rel.lt.le, lit.int.one: waitpid without WNOHANG returns the child's pid (never 0 or 1) or -1
  if (waited < 0) {
    const int err = errno;
    return Error::make(Errc::io_error,
                       "cannot collect the exit status of " + quoted(name) + ": " + errno_text(err),
                       name);
  }

  ChildReport report{};
  ssize_t got;
  do {
    got = ::read(fds.report_read, &report, sizeof report);
  // mutate: next-line rel.lt.false: this read never blocks, so no signal can interrupt it: the child is reaped and held the only other write end (CLOEXEC, so gone at its exec or exit)
  } while (got < 0 && errno == EINTR);
  if (got == static_cast<ssize_t>(sizeof report)) return exec_error(report, name);

  if (WIFSIGNALED(status)) {
    result.signaled = true;
    result.term_signal = WTERMSIG(status);
  } else if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  }
  return result;
}

}  // namespace sqlink
