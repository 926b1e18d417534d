// spawn_in_root() with real children: working directory by fd (also after the root is swapped),
// the rebuilt environment, timeouts that kill the whole process group, exit statuses, errors.
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#include "sqlink/spawn.hpp"
#include "support/free_stdin.hpp"
#include "support/temp_dir.hpp"

namespace sqlink {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A scratch directory, removed afterwards (support/temp_dir.hpp).
class TempDir : public testing::TempDir {
 public:
  TempDir() : testing::TempDir("spawn") {}
};

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Dead means gone, or a zombie nobody has reaped yet: the reaper of orphans in a container
// is not always a real init.
bool process_is_dead(pid_t pid) {
  if (::kill(pid, 0) != 0 && errno == ESRCH) return true;
  const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  const std::size_t paren = stat.rfind(')');
  if (paren == std::string::npos || paren + 2 >= stat.size()) return true;
  const char state = stat[paren + 2];
  return state == 'Z' || state == 'X';
}

bool becomes_dead_within(pid_t pid, std::chrono::milliseconds limit) {
  const auto deadline = Clock::now() + limit;
  while (!process_is_dead(pid)) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

// Sets an environment variable for one test and restores the previous state afterwards.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) {
      ::setenv(name, value, 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_.c_str(), old_->c_str(), 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

// base/builds/crate is the validated root, base/outside a directory it must never run in.
class SpawnTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(at("builds/crate"));
    fs::create_directories(at("outside"));
    root_ = open_root(false);
  }

  std::string at(std::string_view rel) const { return tmp_.path() + "/" + std::string(rel); }

  // A shell script at `rel` that exits with `code`, executable by its owner.
  void tool(std::string_view rel, int code) const {
    fs::create_directories(fs::path(at(rel)).parent_path());
    std::ofstream(at(rel)) << "#!/bin/sh\nexit " << code << "\n";
    fs::permissions(at(rel), fs::perms::owner_all);
  }

  OpenedRoot open_root(bool walk) const {
    BuildPolicy policy;
    policy.spawn_build_granted = true;
    policy.allowed_prefixes = {at("builds")};
    policy.force_nofollow_walk = walk;
    auto opened = validate_build_root(BuildRequest{at("builds/crate"), {}}, policy);
    if (!opened.ok()) {
      ADD_FAILURE() << opened.error().message;
      return {};
    }
    return std::move(opened).value();
  }

  static SpawnOptions sh(std::string script) {
    SpawnOptions options;
    options.argv = {"/bin/sh", "-c", std::move(script)};
    return options;
  }

  SpawnResult run(const SpawnOptions& options) const {
    auto r = spawn_in_root(root_, options);
    if (!r.ok()) {
      ADD_FAILURE() << r.error().message;
      return {};
    }
    return *r;
  }

  TempDir tmp_;
  OpenedRoot root_;
};

using SpawnCwd = SpawnTest;

TEST_F(SpawnCwd, ChildRunsInTheRoot) {
  SpawnOptions options = sh("pwd -P");
  options.stdout_path = at("out.txt");
  const SpawnResult r = run(options);
  EXPECT_FALSE(r.timed_out);
  EXPECT_FALSE(r.signaled);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(read_file(at("out.txt")), at("builds/crate") + "\n");
}

TEST_F(SpawnCwd, RelativeProgramPathIsResolvedInTheRoot) {
  {
    std::ofstream script(at("builds/crate/build.sh"));
    script << "#!/bin/sh\nexit 4\n";
  }
  fs::permissions(at("builds/crate/build.sh"), fs::perms::owner_all);
  SpawnOptions options;
  options.argv = {"./build.sh"};
  EXPECT_EQ(run(options).exit_code, 4);
}

// The root is validated and opened, then renamed away and replaced by a symlink to outside.
// The child must still run in the directory that was validated.
class SpawnRace : public SpawnTest, public ::testing::WithParamInterface<bool> {};

TEST_P(SpawnRace, SwappedRootStillRunsInTheValidatedDirectory) {
  const OpenedRoot opened = open_root(GetParam());
  ASSERT_GE(opened.dir.get(), 0);
  fs::rename(at("builds/crate"), at("builds/moved"));
  fs::create_directory_symlink(at("outside"), at("builds/crate"));

  SpawnOptions options = sh("pwd -P; touch created_here");
  options.stdout_path = at("out.txt");
  auto r = spawn_in_root(opened, options);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_TRUE(fs::exists(at("builds/moved/created_here")));
  EXPECT_FALSE(fs::exists(at("outside/created_here")));
  EXPECT_EQ(read_file(at("out.txt")), at("builds/moved") + "\n");
}

INSTANTIATE_TEST_SUITE_P(Modes, SpawnRace, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "NofollowWalk" : "Openat2";
                         });

using SpawnEnv = SpawnTest;

TEST_F(SpawnEnv, ChildGetsExactlyAllowlistAndExtra) {
  const ScopedEnv secret("SQLINK_SECRET", "hunter2");
  SpawnOptions options;
  options.argv = {"/usr/bin/env"};
  options.env_extra = {{"SQLINK_EXTRA", "yes"}};
  options.stdout_path = at("env.txt");
  ASSERT_EQ(run(options).exit_code, 0);

  const std::vector<std::string> seen = lines_of(read_file(at("env.txt")));
  EXPECT_EQ(seen, build_child_env(options));
  const std::string text = read_file(at("env.txt"));
  EXPECT_EQ(text.find("SQLINK_SECRET"), std::string::npos) << text;
  EXPECT_EQ(text.find("hunter2"), std::string::npos) << text;
  EXPECT_NE(text.find("SQLINK_EXTRA=yes\n"), std::string::npos) << text;
  if (const char* path = std::getenv("PATH")) {
    EXPECT_NE(text.find("PATH=" + std::string(path) + "\n"), std::string::npos) << text;
  }
}

TEST_F(SpawnEnv, BuildChildEnvCopiesAllowlistedOverridesAndSorts) {
  const ScopedEnv allowed("SQLINK_T_ALLOWED", "from-parent");
  const ScopedEnv kept("SQLINK_T_KEPT", "kept");
  const ScopedEnv unset("SQLINK_T_UNSET", nullptr);
  const ScopedEnv secret("SQLINK_T_SECRET", "hidden");
  SpawnOptions options;
  options.env_allowlist = {"SQLINK_T_KEPT", "SQLINK_T_ALLOWED", "SQLINK_T_UNSET"};
  options.env_extra = {{"SQLINK_T_ALLOWED", "from-extra"}, {"A_EXTRA", "1"}, {"EMPTY", ""}};
  EXPECT_EQ(build_child_env(options),
            (std::vector<std::string>{"A_EXTRA=1", "EMPTY=", "SQLINK_T_ALLOWED=from-extra",
                                      "SQLINK_T_KEPT=kept"}));
}

TEST_F(SpawnEnv, EmptyAllowlistGivesEmptyEnvironment) {
  SpawnOptions options;
  options.env_allowlist.clear();
  options.argv = {"/usr/bin/env"};
  options.stdout_path = at("env.txt");
  ASSERT_EQ(run(options).exit_code, 0);
  EXPECT_EQ(read_file(at("env.txt")), "");
}

using SpawnTimeout = SpawnTest;

TEST_F(SpawnTimeout, KillsTheGroupAtTheTimeout) {
  SpawnOptions options = sh("sleep 30 & sleep 30");
  options.timeout = 300ms;
  const auto start = Clock::now();
  const SpawnResult r = run(options);
  const auto took = Clock::now() - start;
  EXPECT_TRUE(r.timed_out);
  EXPECT_TRUE(r.signaled);
  EXPECT_EQ(r.term_signal, SIGKILL);
  EXPECT_GE(r.elapsed, 300ms);
  EXPECT_LT(took, 10s);
}

TEST_F(SpawnTimeout, BackgroundGrandchildDiesToo) {
  SpawnOptions options = sh("sleep 30 & echo $! > pid; wait");
  // The shell must write the pid file before the timeout: a short one first, then, should a
  // loaded machine not get that far, one long enough for it.
  std::string pid_text;
  for (const auto timeout : {200ms, 2000ms}) {
    options.timeout = timeout;
    const auto start = Clock::now();
    const SpawnResult r = run(options);
    EXPECT_LT(Clock::now() - start, 10s);
    EXPECT_TRUE(r.timed_out);
    pid_text = read_file(at("builds/crate/pid"));
    if (!pid_text.empty()) break;
  }
  ASSERT_FALSE(pid_text.empty()) << "the shell did not write the grandchild's pid";
  const pid_t grandchild = static_cast<pid_t>(std::stol(pid_text));
  ASSERT_GT(grandchild, 1);
  EXPECT_TRUE(becomes_dead_within(grandchild, 2s)) << "grandchild " << grandchild << " survived";
}

TEST_F(SpawnTimeout, StragglersAreKilledAfterANormalExit) {
  SpawnOptions options = sh("sleep 30 & echo $! > pid");
  const auto start = Clock::now();
  const SpawnResult r = run(options);
  EXPECT_LT(Clock::now() - start, 10s);
  EXPECT_FALSE(r.timed_out);
  EXPECT_FALSE(r.signaled);
  EXPECT_EQ(r.exit_code, 0);
  const pid_t straggler = static_cast<pid_t>(std::stol(read_file(at("builds/crate/pid"))));
  ASSERT_GT(straggler, 1);
  EXPECT_TRUE(becomes_dead_within(straggler, 2s)) << "straggler " << straggler << " survived";
}

TEST_F(SpawnTimeout, FastChildIsNotTimedOut) {
  SpawnOptions options = sh("exit 0");
  options.timeout = 10s;
  const SpawnResult r = run(options);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_LT(r.elapsed, 10s);
}

using SpawnExit = SpawnTest;

TEST_F(SpawnExit, ExitCodePropagates) {
  for (int code : {0, 1, 7, 255}) {
    const SpawnResult r = run(sh("exit " + std::to_string(code)));
    EXPECT_FALSE(r.signaled);
    EXPECT_EQ(r.exit_code, code);
  }
}

TEST_F(SpawnExit, DeathBySignalIsReported) {
  const SpawnResult r = run(sh("kill -TERM $$"));
  EXPECT_TRUE(r.signaled);
  EXPECT_EQ(r.term_signal, SIGTERM);
  EXPECT_FALSE(r.timed_out);
}

TEST_F(SpawnExit, SignalsIgnoredByTheParentAreResetInTheChild) {
  // A shell cannot undo a signal ignored at its start, so this fails unless spawn resets it.
  struct sigaction ignore {};
  struct sigaction saved {};
  ignore.sa_handler = SIG_IGN;
  ASSERT_EQ(::sigaction(SIGTERM, &ignore, &saved), 0);
  const SpawnResult r = run(sh("kill -TERM $$; exit 3"));
  ::sigaction(SIGTERM, &saved, nullptr);
  EXPECT_TRUE(r.signaled);
  EXPECT_EQ(r.term_signal, SIGTERM);
}

TEST_F(SpawnExit, SignalsBlockedByTheParentAreUnblockedInTheChild) {
  sigset_t term;
  sigset_t saved;
  ::sigemptyset(&term);
  ::sigaddset(&term, SIGTERM);
  ASSERT_EQ(::pthread_sigmask(SIG_BLOCK, &term, &saved), 0);
  const SpawnResult r = run(sh("kill -TERM $$; exit 3"));
  ::pthread_sigmask(SIG_SETMASK, &saved, nullptr);
  EXPECT_TRUE(r.signaled);
  EXPECT_EQ(r.term_signal, SIGTERM);
}

using SpawnOutput = SpawnTest;

TEST_F(SpawnOutput, StdoutAndStderrGoToTheirFiles) {
  std::ofstream(at("out.txt")) << "old content that must be truncated away\n";
  SpawnOptions options = sh("echo to-out; echo to-err >&2");
  options.stdout_path = at("out.txt");
  options.stderr_path = at("err.txt");
  ASSERT_EQ(run(options).exit_code, 0);
  EXPECT_EQ(read_file(at("out.txt")), "to-out\n");
  EXPECT_EQ(read_file(at("err.txt")), "to-err\n");
}

TEST_F(SpawnOutput, OneFileForBothStreamsKeepsBoth) {
  SpawnOptions options = sh("echo first; echo second >&2; echo third");
  options.stdout_path = at("both.txt");
  options.stderr_path = at("both.txt");
  ASSERT_EQ(run(options).exit_code, 0);
  EXPECT_EQ(read_file(at("both.txt")), "first\nsecond\nthird\n");
}

TEST_F(SpawnOutput, DescriptorsWithoutCloexecDoNotReachTheChild) {
  // A high number, so it cannot be confused with a descriptor `ls` opens for itself.
  const int opened = ::open(at("out.txt").c_str(), O_WRONLY | O_CREAT, 0644);
  const int leaked = ::fcntl(opened, F_DUPFD, 60);  // F_DUPFD leaves FD_CLOEXEC clear
  ::close(opened);
  ASSERT_GE(leaked, 60);
  SpawnOptions options = sh("ls /proc/self/fd");
  options.stdout_path = at("fds.txt");
  const SpawnResult r = run(options);
  ::close(leaked);
  ASSERT_EQ(r.exit_code, 0);
  for (const auto& line : lines_of(read_file(at("fds.txt")))) {
    EXPECT_NE(line, std::to_string(leaked)) << "fd " << leaked << " reached the child";
  }
}

TEST_F(SpawnOutput, UnopenableOutputIsAnIoError) {
  const std::string unopenable = at("no-such-dir/out.txt");
  SpawnOptions options = sh("exit 0");
  options.stdout_path = unopenable;
  auto r = spawn_in_root(root_, options);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::io_error);
  EXPECT_NE(r.error().message.find(quoted(unopenable)), std::string::npos) << r.error().message;
}

TEST_F(SpawnOutput, CleaningUpAfterAFailureLeavesErrnoAtItsCause) {
  SpawnOptions options = sh("exit 0");
  options.stdout_path = at("no-such-dir/out.txt");
  errno = 0;
  ASSERT_FALSE(spawn_in_root(root_, options).ok());
  EXPECT_EQ(errno, ENOENT) << std::generic_category().message(errno);
}

using SpawnPath = SpawnTest;

TEST_F(SpawnPath, BareNameIsLookedUpInTheChildsPath) {
  tool("bin/sqlink-test-tool", 5);
  SpawnOptions options;
  options.argv = {"sqlink-test-tool"};
  options.env_extra = {{"PATH", "relative/dir::" + at("bin") + ":/usr/bin:/bin"}};
  EXPECT_EQ(run(options).exit_code, 5);
}

TEST_F(SpawnPath, FallsBackToUsrBinAndBinWithoutPath) {
  SpawnOptions options;
  options.env_allowlist.clear();
  options.argv = {"sh", "-c", "exit 3"};
  EXPECT_EQ(run(options).exit_code, 3);
}

TEST_F(SpawnPath, NameMissingFromPathIsNotFound) {
  SpawnOptions options;
  options.argv = {"sh", "-c", "exit 0"};
  options.env_extra = {{"PATH", at("outside")}};
  auto r = spawn_in_root(root_, options);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::not_found);
  EXPECT_NE(r.error().message.find(quoted("sh")), std::string::npos) << r.error().message;
}

using SpawnErrors = SpawnTest;

TEST_F(SpawnErrors, NonexistentProgramNamesIt) {
  for (const std::string name : {"sqlink-no-such-program-xyz", "/nonexistent/sqlink-prog"}) {
    SpawnOptions options;
    options.argv = {name};
    auto r = spawn_in_root(root_, options);
    ASSERT_FALSE(r.ok()) << name;
    EXPECT_TRUE(r.error().code == Errc::not_found || r.error().code == Errc::child_failed)
        << errc_name(r.error().code);
    EXPECT_NE(r.error().message.find(quoted(name)), std::string::npos) << r.error().message;
  }
}

TEST_F(SpawnErrors, ExecFailureIsReportedNotASilent127) {
  std::ofstream(at("builds/crate/not-executable")) << "echo never\n";
  SpawnOptions options;
  options.argv = {"./not-executable"};
  auto r = spawn_in_root(root_, options);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::child_failed);
  EXPECT_NE(r.error().message.find(quoted("./not-executable")), std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().message.find(std::generic_category().message(EACCES)), std::string::npos)
      << r.error().message;
}

TEST_F(SpawnErrors, EmptyArgvIsMissingArgument) {
  SpawnOptions options;
  auto r = spawn_in_root(root_, options);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::missing_argument);
  options.argv = {""};
  auto empty_name = spawn_in_root(root_, options);
  ASSERT_FALSE(empty_name.ok());
  EXPECT_EQ(empty_name.error().code, Errc::missing_argument);
}

TEST_F(SpawnErrors, NulBytesAreControlCharacters) {
  const std::string nul("a\0b", 3);
  SpawnOptions in_arg = sh("exit 0");
  in_arg.argv.push_back(nul);
  SpawnOptions in_name = sh("exit 0");
  in_name.env_extra = {{nul, "v"}};
  SpawnOptions in_value = sh("exit 0");
  in_value.env_extra = {{"NAME", nul}};
  SpawnOptions in_allowlist = sh("exit 0");
  in_allowlist.env_allowlist = {nul};
  for (const SpawnOptions* options : {&in_arg, &in_name, &in_value, &in_allowlist}) {
    auto r = spawn_in_root(root_, *options);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::control_character) << r.error().message;
    EXPECT_NE(r.error().message.find(quoted(nul)), std::string::npos) << r.error().message;
  }
}

TEST_F(SpawnErrors, BadEnvNamesAndTimeoutsAreInvalid) {
  SpawnOptions with_equals = sh("exit 0");
  with_equals.env_extra = {{"A=B", "v"}};
  SpawnOptions empty_name = sh("exit 0");
  empty_name.env_extra = {{"", "v"}};
  SpawnOptions zero_timeout = sh("exit 0");
  zero_timeout.timeout = 0ms;
  for (const SpawnOptions* options : {&with_equals, &empty_name, &zero_timeout}) {
    auto r = spawn_in_root(root_, *options);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::invalid_value) << r.error().message;
  }
}

TEST_F(SpawnErrors, NegativeTimeoutsAreInvalidAndOneMillisecondIsAllowed) {
  SpawnOptions negative = sh("exit 0");
  negative.timeout = -5ms;
  auto r = spawn_in_root(root_, negative);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::invalid_value);
  EXPECT_NE(r.error().message.find(quoted("-5ms")), std::string::npos) << r.error().message;
  SpawnOptions short_one = sh("exit 0");
  short_one.timeout = 1ms;
  EXPECT_TRUE(spawn_in_root(root_, short_one).ok());  // it may time out: that is a result
}

// readlink of each descriptor the process has open.
std::vector<std::string> open_descriptors() {
  std::vector<std::string> out;
  for (const auto& entry : fs::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    out.push_back(entry.path().filename().string() + " " +
                  fs::read_symlink(entry.path(), ec).string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST_F(SpawnOutput, TheParentsDescriptorsAreAsTheyWereAfterwards) {
  for (const bool same_file : {false, true}) {
    SpawnOptions options = sh("echo out; echo err >&2");
    options.stdout_path = at("o.txt");
    options.stderr_path = same_file ? at("o.txt") : at("e.txt");
    const std::vector<std::string> before = open_descriptors();
    ASSERT_EQ(run(options).exit_code, 0);
    // the directory listing's own descriptor differs; everything else must match
    std::vector<std::string> after = open_descriptors();
    auto drop_listing = [](std::vector<std::string>& fds) {
      std::erase_if(fds, [](const std::string& f) { return f.find("/proc/") != std::string::npos; });
    };
    std::vector<std::string> was = before;
    drop_listing(was);
    drop_listing(after);
    EXPECT_EQ(after, was) << (same_file ? "one file for both streams" : "two files");
  }
}

TEST_F(SpawnOutput, OutputFilesAreCreatedReadableByAll) {
  const mode_t mask = ::umask(022);
  SpawnOptions options = sh("echo out");
  options.stdout_path = at("made.txt");
  const SpawnResult r = run(options);
  ::umask(mask);
  ASSERT_EQ(r.exit_code, 0);
  struct stat st {};
  ASSERT_EQ(::stat(at("made.txt").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
}

TEST_F(SpawnPath, TheFirstPathEntryIsSearchedToo) {
  tool("bin/sqlink-test-first", 6);
  SpawnOptions options;
  options.argv = {"sqlink-test-first"};
  options.env_extra = {{"PATH", at("bin")}};
  EXPECT_EQ(run(options).exit_code, 6);
}

TEST_F(SpawnPath, ARelativeEntryIsSkippedEvenWhenItResolvesFromHere) {
  // "rel" exists beside the parent's working directory; the child runs elsewhere
  tool("here/rel/sqlink-test-rel", 9);
  tool("bin/sqlink-test-rel", 5);
  const fs::path cwd = fs::current_path();
  fs::current_path(at("here"));
  SpawnOptions options;
  options.argv = {"sqlink-test-rel"};
  options.env_extra = {{"PATH", "rel:" + at("bin")}};
  auto r = spawn_in_root(root_, options);
  fs::current_path(cwd);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->exit_code, 5);
}

TEST_F(SpawnErrors, UnopenedRootIsRefused) {
  const OpenedRoot unopened;
  auto r = spawn_in_root(unopened, sh("exit 0"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::invalid_value);
}

TEST_F(SpawnOutput, RedirectionsWorkWithDescriptorZeroFree) {
  struct Case {
    bool out;
    bool err;
  };
  for (const Case& c : {Case{true, false}, Case{false, true}, Case{false, false}}) {
    fs::remove(at("o.txt"));
    fs::remove(at("e.txt"));
    SpawnOptions options = sh("echo out; echo err >&2");
    if (c.out) options.stdout_path = at("o.txt");
    if (c.err) options.stderr_path = at("e.txt");
    {
      const testing::FreeStdin free_stdin;
      ASSERT_EQ(run(options).exit_code, 0);
      EXPECT_TRUE(testing::FreeStdin::zero_is_free()) << "descriptor 0 was left open";
    }
    if (c.out) {
      EXPECT_EQ(read_file(at("o.txt")), "out\n");
    }
    if (c.err) {
      EXPECT_EQ(read_file(at("e.txt")), "err\n");
    }
  }
}

TEST_F(SpawnCwd, ARootOpenOnDescriptorZeroIsUsable) {
  const testing::FreeStdin free_stdin;
  OpenedRoot zero;
  zero.dir = RootFd(::open(at("builds/crate").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  ASSERT_EQ(zero.dir.get(), 0);
  SpawnOptions options = sh("pwd");
  options.stdout_path = at("pwd.txt");
  auto r = spawn_in_root(zero, options);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(read_file(at("pwd.txt")), at("builds/crate") + "\n");
}

// Lowering the soft limit leaves descriptors above it open; they must not reach the child
// either, so marking them cannot be bounded by the limit.
TEST_F(SpawnOutput, DescriptorsAboveTheOpenFileLimitDoNotReachTheChild) {
  const int opened = ::open(at("out.txt").c_str(), O_WRONLY | O_CREAT, 0644);
  const int leaked = ::fcntl(opened, F_DUPFD, 200);  // F_DUPFD leaves FD_CLOEXEC clear
  ::close(opened);
  ASSERT_GE(leaked, 200);
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
  rlimit lowered = saved;
  lowered.rlim_cur = 100;
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &lowered), 0);
  SpawnOptions options = sh("ls /proc/self/fd");
  options.stdout_path = at("fds.txt");
  auto r = spawn_in_root(root_, options);
  ::setrlimit(RLIMIT_NOFILE, &saved);
  ::close(leaked);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->exit_code, 0);
  const std::vector<std::string> listed = lines_of(read_file(at("fds.txt")));
  ASSERT_FALSE(listed.empty());
  for (const auto& line : listed) {
    EXPECT_NE(line, std::to_string(leaked)) << "fd " << leaked << " reached the child";
  }
}

// With SIGCHLD ignored the kernel reaps children itself, so no exit status is left to collect.
TEST_F(SpawnErrors, AParentIgnoringSigchldGetsAnIoError) {
  struct sigaction ignore {};
  struct sigaction saved {};
  ignore.sa_handler = SIG_IGN;
  ASSERT_EQ(::sigaction(SIGCHLD, &ignore, &saved), 0);
  SpawnOptions options = sh("exit 3");
  options.timeout = 60s;
  const auto start = Clock::now();
  auto r = spawn_in_root(root_, options);
  const auto took = Clock::now() - start;
  ::sigaction(SIGCHLD, &saved, nullptr);
  // A child the kernel reaped before it could be waited for has exited: no waiting out the timeout.
  EXPECT_LT(took, 30s);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::io_error);
  EXPECT_NE(r.error().message.find("exit status"), std::string::npos) << r.error().message;
}

// A caller's leftover errno (EINTR here) must not be taken for a failure of a call that succeeded.
TEST_F(SpawnExit, AStaleEintrFromTheCallerChangesNothing) {
  errno = EINTR;
  const SpawnResult r = run(sh("exit 4"));
  EXPECT_FALSE(r.signaled);
  EXPECT_EQ(r.exit_code, 4);

  SpawnOptions missing;
  missing.argv = {"/nonexistent/sqlink-prog"};
  errno = EINTR;
  auto failed = spawn_in_root(root_, missing);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, Errc::not_found) << failed.error().message;
}

volatile sig_atomic_t g_alarms = 0;

// Runs past the spawn's deadline, as a slow handler on a loaded machine might.
void slow_alarm_handler(int) {
  g_alarms = g_alarms + 1;
  const timespec nap{0, 400'000'000};
  ::nanosleep(&nap, nullptr);
}

// A signal interrupting the wait is not the child's exit, and a deadline that passed while a
// handler ran ends the wait at once.
TEST_F(SpawnTimeout, ASignalDuringTheWaitEndsItOnlyAtTheDeadline) {
  struct sigaction slow {};
  struct sigaction saved {};
  slow.sa_handler = slow_alarm_handler;
  ::sigemptyset(&slow.sa_mask);
  ASSERT_EQ(::sigaction(SIGALRM, &slow, &saved), 0);
  g_alarms = 0;
  itimerval once{};
  once.it_value.tv_usec = 100'000;
  ASSERT_EQ(::setitimer(ITIMER_REAL, &once, nullptr), 0);
  SpawnOptions options = sh("sleep 3");
  options.timeout = 300ms;
  const auto start = Clock::now();
  const SpawnResult r = run(options);
  const auto took = Clock::now() - start;
  ::sigaction(SIGALRM, &saved, nullptr);
  EXPECT_EQ(g_alarms, 1);
  EXPECT_TRUE(r.timed_out);
  EXPECT_TRUE(r.signaled);
  EXPECT_LT(took, 2s);
}

TEST_F(SpawnTimeout, WaitingDoesNotSpin) {
  rusage before{};
  rusage after{};
  ASSERT_EQ(::getrusage(RUSAGE_THREAD, &before), 0);
  const SpawnResult r = run(sh("sleep 0.5"));
  ASSERT_EQ(::getrusage(RUSAGE_THREAD, &after), 0);
  EXPECT_EQ(r.exit_code, 0);
  const auto cpu_ms = [](const rusage& u) {
    return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1000 +
           (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1000;
  };
  EXPECT_LT(cpu_ms(after) - cpu_ms(before), 150) << "ms of CPU spent waiting for half a second";
}

// Descriptors 0, 1 and 2 closed for the object's lifetime, as in a daemon that closed its
// standard streams: the next descriptors opened are 0, 1 and 2. Nothing may be asserted (or
// printed) while it lives.
class ClosedStdio {
 public:
  ClosedStdio() {
    for (int fd = 0; fd < 3; ++fd) {
      saved_[fd] = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
      if (saved_[fd] < 0) std::abort();
      ::close(fd);
    }
  }
  ~ClosedStdio() {
    for (int fd = 0; fd < 3; ++fd) {
      ::dup2(saved_[fd], fd);
      ::close(saved_[fd]);
    }
  }
  ClosedStdio(const ClosedStdio&) = delete;
  ClosedStdio& operator=(const ClosedStdio&) = delete;

 private:
  int saved_[3];
};

// Output files and the report pipe then land on 0, 1 and 2, where the child's own dup2 onto
// its stdout and stderr would close them: each must still reach its destination.
TEST_F(SpawnOutput, AParentWithoutStandardDescriptorsStillRedirectsAndReports) {
  SpawnOptions both = sh("echo out; echo err >&2");
  both.stdout_path = at("o.txt");  // opened as 0
  both.stderr_path = at("e.txt");  // opened as 1, the child's stdout
  SpawnOptions missing;
  missing.argv = {"/nonexistent/sqlink-prog"};
  missing.stderr_path = at("m.txt");  // opened as 0; the report pipe's write end then is 2
  std::optional<Result<SpawnResult>> redirected;
  std::optional<Result<SpawnResult>> failed;
  {
    const ClosedStdio closed;
    redirected = spawn_in_root(root_, both);
    failed = spawn_in_root(root_, missing);
  }
  ASSERT_TRUE(redirected->ok()) << redirected->error().message;
  EXPECT_EQ((*redirected)->exit_code, 0);
  EXPECT_EQ(read_file(at("o.txt")), "out\n");
  EXPECT_EQ(read_file(at("e.txt")), "err\n");
  ASSERT_FALSE(failed->ok()) << "exit code " << (*failed)->exit_code;
  EXPECT_EQ(failed->error().code, Errc::not_found) << failed->error().message;
  EXPECT_EQ(read_file(at("m.txt")), "");
}

}  // namespace
}  // namespace sqlink
