// spawn_in_root when the kernel reaps the child before it can be waited for (the parent ignores
// SIGCHLD). Whether the child is gone by then is a race; this program interposes syscall() (its
// own definition wins over libc's for the code linked into it) so that pidfd_open, when armed,
// runs only once the child has been reaped: the race goes the same way every time.
#include <dlfcn.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdarg>
#include <cstdint>
#include <filesystem>
#include <string>

#include "sqlink/path_guard.hpp"
#include "sqlink/spawn.hpp"
#include "support/temp_dir.hpp"

namespace {

using LongSyscall = long (*)(long, long, long, long, long, long, long);
// Looked up before main(): a forked child must not be the first to call dlsym.
const LongSyscall g_real_syscall =
    reinterpret_cast<LongSyscall>(reinterpret_cast<std::uintptr_t>(dlsym(RTLD_NEXT, "syscall")));
std::atomic<bool> g_pidfd_open_after_reaping{false};

}  // namespace

// Forwards five arguments, all the library's syscalls need (openat2 takes four). Five is also
// what x86-64 passes in registers after the number; a sixth would be read from the caller's
// stack whether it was passed or not.
extern "C" long syscall(long number, ...) {
  va_list ap;
  va_start(ap, number);
  long a[6] = {};
  for (int i = 0; i < 5; ++i) a[i] = va_arg(ap, long);
  va_end(ap);
  if (number == SYS_pidfd_open && g_pidfd_open_after_reaping.load()) {
    // With SIGCHLD ignored there is no zombie: kill(pid, 0) fails once the child is reaped.
    const auto pid = static_cast<pid_t>(a[0]);
    for (int i = 0; i < 10'000 && ::kill(pid, 0) == 0; ++i) ::usleep(1000);
  }
  return g_real_syscall(number, a[0], a[1], a[2], a[3], a[4], a[5]);
}

namespace sqlink {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

TEST(SpawnReaped, AChildReapedBeforeItIsWaitedForHasExitedAndIsNotWaitedOut) {
  ASSERT_NE(g_real_syscall, nullptr);
  testing::TempDir tmp("spawn-reaped");
  std::filesystem::create_directories(tmp.path() + "/builds/crate");
  BuildPolicy policy;
  policy.spawn_build_granted = true;
  policy.allowed_prefixes = {tmp.path() + "/builds"};
  auto root = validate_build_root(BuildRequest{tmp.path() + "/builds/crate", {}}, policy);
  ASSERT_TRUE(root.ok()) << root.error().message;

  struct sigaction ignore {};
  struct sigaction saved {};
  ignore.sa_handler = SIG_IGN;
  ASSERT_EQ(::sigaction(SIGCHLD, &ignore, &saved), 0);
  SpawnOptions options;
  options.argv = {"/bin/sh", "-c", "exit 3"};
  options.timeout = 60s;
  g_pidfd_open_after_reaping = true;
  const auto start = Clock::now();
  auto r = spawn_in_root(*root, options);
  const auto took = Clock::now() - start;
  g_pidfd_open_after_reaping = false;
  ::sigaction(SIGCHLD, &saved, nullptr);

  EXPECT_LT(took, 30s) << "the spawn waited out its timeout for a child that was gone";
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::io_error) << r.error().message;
  EXPECT_NE(r.error().message.find("exit status"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace sqlink
